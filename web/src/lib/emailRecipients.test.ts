import { describe, expect, it } from 'vitest';
import type { MessageOut } from '../../../common/schemas.ts';
import { emailRecipients } from './emailRecipients.ts';

const mail = (direction: 'in' | 'out', from: string, to: string[], cc: string[] = []) =>
  ({ direction, visibility: 'public', email: { from: { email: from }, to: to.map((email) => ({ email })), cc: cc.map((email) => ({ email })) } }) as unknown as MessageOut;

describe('email reply recipients', () => {
  it('reply-all reaches the sender, To and Cc of the latest customer mail, never our own address, each once', () => {
    const messages = [
      mail('in', 'alice@example.com', ['support@desk.example'], ['bob@example.com']),
      mail('out', 'support@desk.example', ['alice@example.com'], ['bob@example.com']),
      mail('in', 'Bob@Example.com', ['Support@desk.example', 'alice@example.com'], ['carol@example.com']),
    ];
    expect(emailRecipients('alice@example.com', messages, ['support@desk.example'])).toEqual({ requester: 'alice@example.com', all: ['alice@example.com', 'Bob@Example.com', 'carol@example.com'] });
  });

  it('knows our address from our own replies when the inbox address is not known, and falls back to the sender as requester', () => {
    const messages = [mail('out', 'help@desk.example', ['x@example.com']), mail('in', 'x@example.com', ['help@desk.example'])];
    expect(emailRecipients(null, messages, [])).toEqual({ requester: 'x@example.com', all: ['x@example.com'] });
    expect(emailRecipients('y@example.com', [], [null])).toEqual({ requester: 'y@example.com', all: ['y@example.com'] });
  });
});
