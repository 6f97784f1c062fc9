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
    // The name follows the bytes: a PNG called .pdf is served as .png.
    expect(file).toMatchObject({ filename: 'screenshot.png', contentType: 'image/png', size: PNG.length });

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

  it('refuses page, script and program names even when the content is plain text, storing nothing', async () => {
    const before = (await t.services.database.db.select().from(attachments)).length;
    const text = Buffer.from('hello, this is only text\n');
    for (const name of ['statement.html', 'update.hta', 'fix.bat', 'run.cmd', 'x.ps1', 'a.vbs', 'app.jar', 'pic.svg', 'page.xhtml', 'install.sh', 'shortcut.lnk', 'setup.exe.']) {
      const res = await upload(customer, [{ name, content: text, type: 'text/plain' }]);
      expect(res.statusCode, `${name}: ${res.body}`).toBe(415);
      expect(res.json().error.code).toBe('unsupported_media_type');
    }
    // One bad name among good files refuses the whole upload.
    expect((await upload(customer, [{ name: 'ok.png', content: PNG }, { name: 'bad.htm', content: text }])).statusCode).toBe(415);
    expect((await t.services.database.db.select().from(attachments)).length).toBe(before);
    const ticket = multipartBody({ subject: 'Withdrawal missing', body: 'see the file' }, [{ name: 'proof.hta', content: text }]);
    const filed = await customer.request('POST', '/api/v1/tickets', ticket.payload, ticket.headers);
    expect(filed.statusCode, filed.body).toBe(415);
    expect((await t.services.database.db.select().from(attachments)).length).toBe(before);
  });

  it('names a file for its content and strips text-reversing characters from the name', async () => {
    const text = Buffer.from('deposit log: tx 0xabc\n');
    const cases: [string, Buffer, string][] = [
      ['notes', text, 'notes.txt'],
      ['report.v2', text, 'report.v2.txt'],
      ['deposit.md', text, 'deposit.md'],
      ['screenshot.jpg', PNG, 'screenshot.png'],
      ['invoice\u202Efdp.png', PNG, 'invoicefdp.png'],
      ['\u2067photo\u2069\u200F.png', PNG, 'photo.png'],
    ];
    for (const [name, content, expected] of cases) {
      const res = await upload(customer, [{ name, content }]);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().items[0].filename).toBe(expected);
    }
    // The override hid an .exe behind what reads as ".png": with it gone the name is refused.
    expect((await upload(customer, [{ name: 'invoice\u202Egnp.exe', content: PNG }])).statusCode).toBe(415);
  });

  it('downloads anything that is not an image or a PDF as an attachment with its sniffed type', async () => {
    const [txt] = (await upload(customer, [{ name: 'log', content: Buffer.from('<b>not markup, just text</b> after a word') }])).json().items;
    const res = await customer.request('GET', txt.url);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-disposition']).toBe("attachment; filename*=UTF-8''log.txt");
    const [png] = (await upload(customer, [{ name: 'shot.png', content: PNG }])).json().items;
    expect((await customer.request('GET', png.url)).headers['content-disposition']).toMatch(/^inline;/);
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
