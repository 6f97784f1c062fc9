import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SOCKET_EVENTS } from '../../common/realtime.ts';
import { rejoinOnResync } from './realtime.ts';

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
