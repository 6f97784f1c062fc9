import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachments } from '../../db/schema.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { type FilePart, TINY_PNG, multipartBody } from '../../../test/helpers/files.ts';
import { createTestApp, loginAgent, loginContact, makeAgent, makeContact, type Session, type TestApp } from '../../../test/helpers/app.ts';

const PNG = TINY_PNG;
const multipart = (files: FilePart[]) => multipartBody({}, files);

describe.each(DB_KINDS)('attachments on %s', (kind) => {
  let t: TestApp;
  let dataDir: string;
  let customer: Session;
  let stranger: Session;
  let agent: Session;
  let conversationId: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sb-blobs-'));
    t = await createTestApp(kind, { DATA_DIR: dataDir, MAX_UPLOAD_BYTES: '2048' });
    const [a, b] = [await makeContact(t), await makeContact(t)];
    const admin = await makeAgent(t, { role: 'admin' });
    [customer, stranger, agent] = await Promise.all([loginContact(t, a.email!), loginContact(t, b.email!), loginAgent(t, admin.email)]);
    conversationId = (await customer.request('POST', '/api/v1/conversations', { subject: 'Screenshot of the error', body: 'see attached' })).json().id;
  });
  afterAll(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const upload = (session: Session, files: Parameters<typeof multipart>[0], id = conversationId) => {
    const { payload, headers } = multipart(files);
    return session.request('POST', `/api/v1/conversations/${id}/attachments`, payload, headers);
  };

  it('detects the type from the content, not the name, and sends the file with a message', async () => {
    const res = await upload(customer, [{ name: 'screenshot.pdf', content: PNG, type: 'application/pdf' }]);
    expect(res.statusCode).toBe(201);
    const [file] = res.json().items;
    expect(file).toMatchObject({ filename: 'screenshot.pdf', contentType: 'image/png', size: PNG.length });

    const sent = await customer.request('POST', `/api/v1/conversations/${conversationId}/messages`, { attachmentIds: [file.id] });
    expect(sent.statusCode).toBe(201);
    expect(sent.json().attachments).toEqual([expect.objectContaining({ id: file.id, url: `/api/v1/attachments/${file.id}` })]);

    const download = await customer.request('GET', file.url);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('image/png');
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect(download.rawPayload.equals(PNG)).toBe(true);
    // The agent can fetch it too; the same attachment cannot be sent twice.
    expect((await agent.request('GET', file.url)).statusCode).toBe(200);
    const again = await customer.request('POST', `/api/v1/conversations/${conversationId}/messages`, { attachmentIds: [file.id] });
    expect(again.statusCode).toBe(400);
  });

  it('never serves a file to a customer who cannot see the conversation', async () => {
    const [file] = (await upload(customer, [{ name: 'id-card.png', content: PNG }])).json().items;
    const res = await stranger.request('GET', file.url);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect((await t.app.inject({ method: 'GET', url: file.url })).statusCode).toBe(401);
    // Nor can the stranger upload into it.
    expect((await upload(stranger, [{ name: 'x.png', content: PNG }])).statusCode).toBe(404);
  });

  it('refuses files over the size limit with 413 and dangerous types with 415, storing nothing', async () => {
    const before = (await t.services.database.db.select().from(attachments)).length;
    const big = await upload(customer, [{ name: 'huge.png', content: Buffer.concat([PNG, Buffer.alloc(4096)]) }]);
    expect(big.statusCode, big.body).toBe(413);
    expect(big.json().error.code).toBe('payload_too_large');
    const html = await upload(customer, [{ name: 'invoice.png', content: Buffer.from('<!doctype html><script>alert(1)</script>'), type: 'image/png' }]);
    expect(html.statusCode).toBe(415);
    expect(html.json().error).toMatchObject({ code: 'unsupported_media_type' });
    const exe = await upload(customer, [{ name: 'tool.exe', content: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)]) }]);
    expect(exe.statusCode).toBe(415);
    expect((await t.services.database.db.select().from(attachments)).length).toBe(before);
  });

  it('hides attachments of private notes from the customer', async () => {
    const [file] = (await upload(agent, [{ name: 'risk-report.txt', content: Buffer.from('internal risk report: address flagged') }])).json().items;
    expect(file.contentType).toBe('text/plain');
    const note = await agent.request('POST', `/api/v1/conversations/${conversationId}/notes`, { body: 'see report', attachmentIds: [file.id] });
    expect(note.statusCode).toBe(201);
    expect((await agent.request('GET', file.url)).statusCode).toBe(200);
    expect((await customer.request('GET', file.url)).statusCode).toBe(404);
  });
});
