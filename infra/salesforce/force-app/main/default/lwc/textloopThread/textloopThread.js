import { LightningElement, api, wire } from 'lwc';
import { gql, graphql } from 'lightning/graphql';
import { buildThread, openTask } from './thread';

// The Tasks Textloop logs on this record (WhatId: opportunity or case) or person (WhoId: contact).
const TASKS = gql`
    query textloopThread($recordId: ID) {
        uiapi {
            query {
                Task(
                    where: {
                        and: [
                            { Subject: { like: "SMS%" } }
                            { or: [{ WhatId: { eq: $recordId } }, { WhoId: { eq: $recordId } }] }
                        ]
                    }
                    orderBy: { CreatedDate: { order: ASC } }
                    first: 200
                ) {
                    edges {
                        node {
                            Id
                            Subject {
                                value
                            }
                            Description {
                                value
                            }
                            Status {
                                value
                            }
                            Priority {
                                value
                            }
                            IsClosed {
                                value
                            }
                            ActivityDate {
                                value
                            }
                            ReminderDateTime {
                                value
                            }
                            CreatedDate {
                                value
                            }
                        }
                    }
                }
            }
        }
    }
`;

export default class TextloopThread extends LightningElement {
    @api recordId;
    @api objectApiName;

    items = [];
    errorMessage;
    loaded = false;
    refreshResult;

    get variables() {
        return { recordId: this.recordId };
    }

    @wire(graphql, { query: TASKS, variables: '$variables' })
    wiredTasks(result) {
        this.refreshResult = result && result.refresh;
        const { data, errors } = result || {};
        if (errors && errors.length) {
            this.errorMessage = errors.map((e) => e.message).join('; ');
            this.items = [];
            this.loaded = true;
            return;
        }
        if (!data) {
            return; // still loading
        }
        const edges = (((data.uiapi || {}).query || {}).Task || {}).edges || [];
        this.items = buildThread(edges.map((e) => e.node)).map((item) => decorate(item));
        this.errorMessage = undefined;
        this.loaded = true;
    }

    get isLoading() {
        return !this.loaded;
    }

    get hasItems() {
        return this.loaded && !this.errorMessage && this.items.length > 0;
    }

    get isEmpty() {
        return this.loaded && !this.errorMessage && this.items.length === 0;
    }

    get openTask() {
        return openTask(this.items);
    }

    handleRefresh() {
        if (typeof this.refreshResult === 'function') {
            this.refreshResult();
        }
    }
}

function decorate(item) {
    const isMessage = item.kind === 'message';
    const isOutbound = isMessage && item.direction === 'outbound';
    return {
        ...item,
        isMessage,
        isNote: item.kind === 'note',
        isTask: item.kind === 'task',
        directionLabel: isMessage ? (isOutbound ? 'Sent' : 'Received') : '',
        rowClass: isMessage
            ? `slds-chat-listitem ${isOutbound ? 'slds-chat-listitem_outbound' : 'slds-chat-listitem_inbound'}`
            : 'slds-chat-listitem slds-chat-listitem_event',
        bubbleClass: isMessage
            ? `slds-chat-message__text ${isOutbound ? 'slds-chat-message__text_outbound' : 'slds-chat-message__text_inbound'}`
            : 'slds-chat-event__body',
        taskLabel: item.task ? `${item.task.isOpen ? 'Open task' : 'Task'}: ${item.task.status || ''}`.trim() : ''
    };
}
