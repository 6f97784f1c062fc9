import type PgBoss from 'pg-boss';
import type { Services } from '../domain/context.ts';
import { messageDeliverer } from '../domain/channels/messageDeliverer.ts';
import { QUEUES, rememberWorker } from './boss.ts';

/**
 * Works the outbound delivery queue, one message per job. A temporary failure throws, so pg-boss
 * tries again with backoff (the job's retryLimit and retryBackoff, as context.ts job() sets them);
 * the last attempt marks the message failed instead.
 */
export async function startDeliveryWorker(services: Services, boss: PgBoss): Promise<void> {
  const id = await boss.work<{ messageId: string }>(QUEUES.messageDeliver, { includeMetadata: true, pollingIntervalSeconds: 0.5 }, async (jobs) => {
    for (const job of jobs) {
      const outcome = await messageDeliverer(services, job.data.messageId, { finalAttempt: job.retryCount >= job.retryLimit });
      if (outcome.retry) throw new Error(`temporary delivery failure: ${outcome.error}`);
    }
  });
  rememberWorker(boss, QUEUES.messageDeliver, id);
}
