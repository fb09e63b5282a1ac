import { useCallback, useEffect, useState } from 'react';
import {
  Button,
  Divider,
  EmptyState,
  ErrorState,
  Flex,
  LoadingSpinner,
  StatusTag,
  Text,
  Tile,
  hubspot,
  useExtensionContext,
} from '@hubspot/ui-extensions';
import { TEXTLOOP_API_BASE_URL } from './textloopApi';

// GET {TEXTLOOP_API_BASE_URL}/threads/hubspot/{objectType}/{id}, signed by HubSpot
// (X-HubSpot-Signature-v3 with the app's client secret): the shape is documented in INSTALL.md.
export type Direction = 'outbound' | 'inbound';
export interface ThreadMessage {
  sid: string;
  direction: Direction;
  body: string;
  at: string; // ISO 8601, UTC
  status: string; // queued | sending | sent | delivered | undelivered | failed | received | ...
  errorCode: string | null;
}
export interface Thread {
  contactId: string;
  displayName: string;
  phone: string; // masked, e.g. "+1 ••• ••• 0132"
  consent: 'opted_in' | 'opted_out' | 'unknown';
  phoneStatus: 'wrong_person' | 'unreachable' | 'landline' | null;
  messages: ThreadMessage[];
}
export interface ThreadsResponse {
  record: { crm: 'hubspot'; objectType: ObjectType; id: string };
  threads: Thread[];
  generatedAt: string;
}
export type ObjectType = 'contact' | 'deal' | 'ticket';

// HubSpot's object type ids for the record pages this card is placed on.
const OBJECT_TYPES: Record<string, ObjectType> = { '0-1': 'contact', '0-3': 'deal', '0-5': 'ticket' };

export function threadsUrl(objectType: ObjectType, id: string | number): string {
  const base = TEXTLOOP_API_BASE_URL.replace(/\/+$/, '');
  return `${base}/threads/hubspot/${objectType}/${encodeURIComponent(String(id))}`;
}

hubspot.extend<'crm.record.tab'>(() => <SmsThreadCard />);

type Load =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | { state: 'loaded'; data: ThreadsResponse };

const SmsThreadCard = () => {
  const context = useExtensionContext<'crm.record.tab'>();
  const objectType = OBJECT_TYPES[context.crm.objectTypeId];
  const objectId = context.crm.objectId;
  const [load, setLoad] = useState<Load>({ state: 'loading' });

  const refresh = useCallback(async () => {
    if (!objectType) {
      setLoad({ state: 'error', message: `Textloop does not text from ${context.crm.objectTypeId} records.` });
      return;
    }
    setLoad({ state: 'loading' });
    try {
      const response = await hubspot.fetch(threadsUrl(objectType, objectId), { method: 'GET', timeout: 10000 });
      if (!response.ok) {
        setLoad({ state: 'error', message: `Textloop answered ${response.status}.` });
        return;
      }
      setLoad({ state: 'loaded', data: (await response.json()) as ThreadsResponse });
    } catch (error) {
      setLoad({ state: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }, [objectType, objectId, context.crm.objectTypeId]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  if (load.state === 'loading') {
    return <LoadingSpinner label="Loading the SMS thread" layout="centered" />;
  }
  if (load.state === 'error') {
    return (
      <ErrorState title="The SMS thread could not be loaded">
        <Text>{load.message}</Text>
        <Button onClick={() => void refresh()}>Try again</Button>
      </ErrorState>
    );
  }
  const threads = load.data.threads.filter((t) => t.messages.length > 0);
  if (threads.length === 0) {
    return (
      <EmptyState title="No texts yet" layout="vertical">
        <Text>Textloop has not texted anyone about this record.</Text>
      </EmptyState>
    );
  }
  return (
    <Flex direction="column" gap="medium">
      {threads.map((thread) => (
        <ThreadView key={thread.contactId} thread={thread} />
      ))}
      <Button variant="secondary" size="sm" onClick={() => void refresh()}>
        Refresh
      </Button>
    </Flex>
  );
};

const CONSENT_VARIANT = { opted_in: 'success', opted_out: 'danger', unknown: 'default' } as const;

const ThreadView = ({ thread }: { thread: Thread }) => (
  <Tile>
    <Flex direction="row" justify="between" align="center">
      <Text format={{ fontWeight: 'bold' }}>
        {thread.displayName} · {thread.phone}
      </Text>
      <Flex direction="row" gap="small">
        <StatusTag variant={CONSENT_VARIANT[thread.consent]}>SMS consent: {thread.consent.replace('_', ' ')}</StatusTag>
        {thread.phoneStatus ? <StatusTag variant="warning">Number: {thread.phoneStatus.replace('_', ' ')}</StatusTag> : null}
      </Flex>
    </Flex>
    <Divider />
    <Flex direction="column" gap="small">
      {thread.messages.map((message) => (
        <MessageView key={message.sid} message={message} />
      ))}
    </Flex>
  </Tile>
);

const FAILED = new Set(['failed', 'undelivered']);

const MessageView = ({ message }: { message: ThreadMessage }) => (
  <Flex direction="column" align={message.direction === 'outbound' ? 'end' : 'start'}>
    <Text variant="microcopy">
      {message.direction === 'outbound' ? 'Sent' : 'Received'} {new Date(message.at).toLocaleString()} ·{' '}
      {message.status}
      {message.errorCode ? ` (error ${message.errorCode})` : ''}
    </Text>
    <Text format={FAILED.has(message.status) ? { lineDecoration: 'strikethrough' } : undefined}>{message.body}</Text>
  </Flex>
);
