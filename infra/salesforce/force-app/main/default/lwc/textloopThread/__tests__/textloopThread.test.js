import { createElement } from 'lwc';
import { graphql } from 'lightning/graphql';
import TextloopThread from 'c/textloopThread';
import { buildThread, parseDescription, parseFollowUp } from '../thread';

// Tasks as Textloop's Salesforce adapter writes them (see thread.js), in the GraphQL node shape.
function node(id, subject, description, extra = {}) {
    const wrap = (v) => ({ value: v });
    return {
        Id: id,
        Subject: wrap(subject),
        Description: wrap(description),
        Status: wrap(extra.status || 'Completed'),
        Priority: wrap(extra.priority || 'Normal'),
        IsClosed: wrap(extra.isClosed !== undefined ? extra.isClosed : true),
        ActivityDate: wrap(extra.activityDate || '2026-11-30'),
        ReminderDateTime: wrap(extra.reminder || null),
        CreatedDate: wrap(extra.at)
    };
}

const SENT = node(
    '00T000000000001',
    'SMS sent: Hi Dana, Sam from Acme: the contract for Ac',
    'Hi Dana, Sam from Acme: the contract for Acme renewal is ready for your signature: https://sign.example/1 Questions? Just reply. Reply STOP to opt out.\n\nOutbound SMS · Twilio SID SM00000000000000000000000000000001',
    { at: '2026-11-30T15:00:00.000Z' }
);
const RECEIVED = node(
    '00T000000000002',
    'SMS received: what would 50 seats cost?',
    'what would 50 seats cost?\n\nInbound SMS · Twilio SID SM00000000000000000000000000000002',
    { at: '2026-11-30T15:04:00.000Z' }
);
const FOLLOW_UP = node(
    '00T000000000003',
    'SMS reply (buying signal): follow up',
    'Reply: what would 50 seats cost?\nIntent: buying signal\nSuggested next step: Call now: they are asking about price, terms or next steps.\nFrom: +14155550100',
    {
        at: '2026-11-30T15:04:01.000Z',
        status: 'Not Started',
        priority: 'High',
        isClosed: false,
        reminder: '2026-11-30T15:09:00.000Z'
    }
);
const FLAG = node('00T000000000004', 'SMS consent: opted_out', 'STOP received', { at: '2026-11-30T16:00:00.000Z' });
const UNRELATED = node('00T000000000005', 'SMS triage: reply from unknown number +1415•••0100', 'x', {
    at: '2026-11-30T16:30:00.000Z'
});

function emitTasks(nodes) {
    graphql.emit({ uiapi: { query: { Task: { edges: nodes.map((n) => ({ node: n })) } } } });
}

async function flush() {
    await Promise.resolve();
    await Promise.resolve();
}

function mount(recordId = '006000000000001AAA') {
    const element = createElement('c-textloop-thread', { is: TextloopThread });
    element.recordId = recordId;
    element.objectApiName = 'Opportunity';
    document.body.appendChild(element);
    return element;
}

afterEach(() => {
    while (document.body.firstChild) {
        document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
});

describe('thread parsing', () => {
    it('splits the body from the Twilio SID footer', () => {
        expect(parseDescription(RECEIVED.Description.value)).toEqual({
            body: 'what would 50 seats cost?',
            sid: 'SM00000000000000000000000000000002',
            direction: 'inbound'
        });
    });

    it('keeps a description without a footer as the body', () => {
        expect(parseDescription('hello')).toEqual({ body: 'hello', sid: null, direction: null });
    });

    it('reads the reply and next step of a follow-up task', () => {
        expect(parseFollowUp(FOLLOW_UP.Description.value)).toEqual({
            reply: 'what would 50 seats cost?',
            nextStep: 'Call now: they are asking about price, terms or next steps.'
        });
    });

    it('orders by time, attaches the intent and task to the reply, keeps notes, ignores other subjects', () => {
        const items = buildThread([FLAG, FOLLOW_UP, RECEIVED, SENT, UNRELATED]);
        expect(items.map((i) => [i.kind, i.direction])).toEqual([
            ['message', 'outbound'],
            ['message', 'inbound'],
            ['note', undefined]
        ]);
        expect(items[1].intent).toBe('buying signal');
        expect(items[1].task).toMatchObject({ isOpen: true, priority: 'High', due: '2026-11-30T15:09:00.000Z' });
        expect(items[2].body).toBe('consent: opted_out');
    });

    it('shows a follow-up task without its received message on its own', () => {
        const items = buildThread([FOLLOW_UP]);
        expect(items).toHaveLength(1);
        expect(items[0]).toMatchObject({ kind: 'task', intent: 'buying signal', body: 'what would 50 seats cost?' });
    });
});

describe('c-textloop-thread', () => {
    it('asks for the tasks of its record', async () => {
        mount('500000000000001AAA');
        await flush();
        expect(graphql.getLastConfig().variables).toEqual({ recordId: '500000000000001AAA' });
    });

    it('renders the conversation with direction, status, intent and the open task', async () => {
        const element = mount();
        emitTasks([SENT, RECEIVED, FOLLOW_UP]);
        await flush();

        const root = element.shadowRoot;
        const rows = root.querySelectorAll('li[data-kind="message"]');
        expect(rows).toHaveLength(2);
        expect(rows[0].dataset.direction).toBe('outbound');
        expect(rows[0].className).toContain('slds-chat-listitem_outbound');
        expect(rows[0].querySelector('[data-id="direction"]').textContent).toBe('Sent');
        expect(rows[0].querySelector('[data-id="body"]').textContent).toContain('ready for your signature');
        expect(rows[0].querySelector('[data-id="status"]').textContent).toBe('Completed');
        expect(rows[1].dataset.direction).toBe('inbound');
        expect(rows[1].querySelector('[data-id="direction"]').textContent).toBe('Received');
        expect(rows[1].querySelector('[data-id="intent"]').label).toBe('buying signal');
        expect(rows[1].querySelector('[data-id="task"]').textContent).toBe('Open task: Not Started');
        expect(rows[1].querySelector('lightning-formatted-date-time').value).toBe('2026-11-30T15:04:00.000Z');

        const open = root.querySelector('[data-id="open-task"]');
        expect(open.textContent).toContain('SMS reply (buying signal): follow up');
        expect(open.textContent).toContain('High priority');
        expect(open.textContent).toContain('Call now');
    });

    it('says so when there is no SMS yet', async () => {
        const element = mount();
        emitTasks([]);
        await flush();
        expect(element.shadowRoot.querySelector('[data-id="empty"]')).not.toBeNull();
        expect(element.shadowRoot.querySelector('[data-id="open-task"]')).toBeNull();
    });

    it('shows the GraphQL errors', async () => {
        const element = mount();
        graphql.emitErrors([{ message: 'Task is not supported' }]);
        await flush();
        expect(element.shadowRoot.querySelector('[data-id="error"]').textContent).toBe('Task is not supported');
    });

    it('refreshes through the wire', async () => {
        const element = mount();
        const refresh = jest.fn();
        graphql.emit({ uiapi: { query: { Task: { edges: [] } } } }, undefined, refresh);
        await flush();
        element.shadowRoot.querySelector('[data-id="refresh"]').click();
        expect(refresh).toHaveBeenCalledTimes(1);
    });
});
