/*
 * Turns the Tasks Textloop writes on a record into a conversation (pure functions, no platform imports).
 *
 * Textloop's Salesforce adapter writes (shared/textloop/adapters/salesforce.py, service_layer/*.py):
 *   - a completed Task "SMS sent: <preview>"      Description "<body>\n\nOutbound SMS · Twilio SID <sid>"
 *   - a completed Task "SMS received: <preview>"  Description "<body>\n\nInbound SMS · Twilio SID <sid>"
 *   - an open Task "SMS reply (<intent>): follow up" for the owner, Description
 *     "Reply: <body>\nIntent: <intent>\nSuggested next step: <step>\nFrom: <number>"
 *   - completed Tasks "SMS: number flagged <status>" and "SMS consent: <status>" (shown as notes)
 */

const SENT = /^SMS sent:/;
const RECEIVED = /^SMS received:/;
const REPLY_TASK = /^SMS reply \(([^)]+)\): follow up/;
const NOTE = /^SMS(?: consent)?: /;
const FOOTER = /\n\n(Inbound|Outbound) SMS · Twilio SID (\S+)\s*$/;

function value(node, field) {
    const cell = node ? node[field] : undefined;
    return cell && cell.value !== undefined ? cell.value : null;
}

/** The body and Twilio SID of an SMS Task's Description. */
export function parseDescription(description) {
    const text = description || '';
    const match = FOOTER.exec(text);
    if (!match) {
        return { body: text.trim(), sid: null, direction: null };
    }
    return {
        body: text.slice(0, match.index).trim(),
        sid: match[2],
        direction: match[1].toLowerCase() === 'inbound' ? 'inbound' : 'outbound'
    };
}

/** The lines of a follow-up task's Description ("Reply: …", "Suggested next step: …"). */
export function parseFollowUp(description) {
    const lines = (description || '').split('\n');
    const field = (name) => {
        const line = lines.find((l) => l.startsWith(`${name}: `));
        return line ? line.slice(name.length + 2).trim() : null;
    };
    return { reply: field('Reply'), nextStep: field('Suggested next step') };
}

function task(node) {
    const isClosed = value(node, 'IsClosed') === true;
    return {
        id: node.Id,
        subject: value(node, 'Subject'),
        status: value(node, 'Status'),
        priority: value(node, 'Priority'),
        due: value(node, 'ReminderDateTime') || value(node, 'ActivityDate'),
        isOpen: !isClosed,
        nextStep: parseFollowUp(value(node, 'Description')).nextStep
    };
}

/**
 * The conversation of the GraphQL Task nodes, oldest first: messages (with the intent and the follow-up
 * task of a reply attached to the received message it answers) and notes.
 */
export function buildThread(nodes) {
    const sorted = [...(nodes || [])].filter(Boolean).sort((a, b) => {
        const ta = value(a, 'CreatedDate') || '';
        const tb = value(b, 'CreatedDate') || '';
        return ta < tb ? -1 : ta > tb ? 1 : 0;
    });
    const items = [];
    for (const node of sorted) {
        const subject = value(node, 'Subject') || '';
        const at = value(node, 'CreatedDate');
        const description = value(node, 'Description');
        if (SENT.test(subject) || RECEIVED.test(subject)) {
            const parsed = parseDescription(description);
            const direction = parsed.direction || (SENT.test(subject) ? 'outbound' : 'inbound');
            items.push({
                key: node.Id,
                kind: 'message',
                direction,
                body: parsed.body,
                sid: parsed.sid,
                at,
                status: value(node, 'Status'),
                intent: null,
                task: null
            });
            continue;
        }
        const reply = REPLY_TASK.exec(subject);
        if (reply) {
            const followUp = parseFollowUp(description);
            const answered = [...items]
                .reverse()
                .find(
                    (i) =>
                        i.kind === 'message' &&
                        i.direction === 'inbound' &&
                        !i.task &&
                        (followUp.reply === null || i.body === followUp.reply)
                );
            const target =
                answered ||
                [...items].reverse().find((i) => i.kind === 'message' && i.direction === 'inbound' && !i.task);
            if (target) {
                target.intent = reply[1];
                target.task = task(node);
            } else {
                items.push({ key: node.Id, kind: 'task', at, intent: reply[1], task: task(node), body: followUp.reply });
            }
            continue;
        }
        if (NOTE.test(subject)) {
            items.push({ key: node.Id, kind: 'note', at, body: subject.replace(/^SMS:?\s*/, '') });
        }
    }
    return items;
}

/** The open follow-up task (the newest), if any. */
export function openTask(items) {
    const open = items.filter((i) => i.task && i.task.isOpen);
    return open.length ? open[open.length - 1].task : null;
}
