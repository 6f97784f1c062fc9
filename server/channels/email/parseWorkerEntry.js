// Entry of the mail-parsing worker thread: plain JavaScript so a worker can start without a
// TypeScript loader in place, then the same loader the CLI uses (bin/switchboard.js) for the rest.
import { register } from 'tsx/esm/api';

register();
await import('./parseWorker.ts');
