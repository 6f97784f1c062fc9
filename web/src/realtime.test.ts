import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SOCKET_EVENTS } from '../../common/realtime.ts';
import { applyDeliveryPush, rejoinOnResync } from './realtime.ts';
import type { MessageOut } from '../../common/schemas.ts';

describe('resync push', () => {
  it('re-runs what every component does on connect (join its rooms, catch up) without reconnecting', () => {
    // The part of a socket.io-client Socket it uses: on, listeners (and emit, to play the server).
    const socket = new EventEmitter();
    const joined: string[] = [];
    socket.on('connect', () => joined.push('conversation A'));
    socket.on('connect', () => joined.push('conversation B'));
    rejoinOnResync(socket as never);
    socket.emit(SOCKET_EVENTS.resync, {});
    expect(joined).toEqual(['conversation A', 'conversation B']);
    // A component that unmounted is no longer asked.
    socket.removeAllListeners('connect');
    socket.emit(SOCKET_EVENTS.resync, {});
    expect(joined).toHaveLength(2);
  });
});

describe('delivery pushes', () => {
  const message = (id: string, deliveryStatus: MessageOut['deliveryStatus'], deliveryError: string | null = null) => ({ id, deliveryStatus, deliveryError }) as MessageOut;
  const list = { items: [message('m1', 'queued'), message('m2', 'sent')] };

  it('moves the badge of the message an event names (subjectId), with the reason of a failure', () => {
    const next = applyDeliveryPush(list, { type: 'messages.delivery', subjectType: 'message', subjectId: 'm1', data: { status: 'failed', error: '550 5.1.1 no such user' } });
    expect(next?.items.map((m) => [m.id, m.deliveryStatus, m.deliveryError])).toEqual([
      ['m1', 'failed', '550 5.1.1 no such user'],
      ['m2', 'sent', null],
    ]);
  });

  it('takes a pushed message or {messageId, deliveryStatus}, and clears the reason when it is sent after a retry', () => {
    const failed = { items: [message('m1', 'failed', 'timeout')] };
    expect(applyDeliveryPush(failed, { id: 'm1', deliveryStatus: 'sent', deliveryError: null })?.items[0]).toMatchObject({ deliveryStatus: 'sent', deliveryError: null });
    expect(applyDeliveryPush(failed, { messageId: 'm1', deliveryStatus: 'queued' })?.items[0]).toMatchObject({ deliveryStatus: 'queued', deliveryError: null });
    expect(applyDeliveryPush(failed, { data: { messageId: 'm1', after: { deliveryStatus: 'stored' } } })?.items[0]?.deliveryStatus).toBe('stored');
  });

  it('leaves the list as it is for other messages, unknown states and junk', () => {
    expect(applyDeliveryPush(list, { subjectId: 'other', data: { status: 'sent' } })).toBe(list);
    expect(applyDeliveryPush(list, { subjectId: 'm1', data: { status: 'bounced?' } })).toBe(list);
    expect(applyDeliveryPush(list, null)).toBe(list);
    expect(applyDeliveryPush(undefined, { subjectId: 'm1', data: { status: 'sent' } })).toBeUndefined();
  });
});
