import { eq } from 'drizzle-orm';
import { agents, contacts } from '../../db/schema.ts';
import type { Ctx } from '../context.ts';
import { conversationGetter } from '../conversations/conversationReader.ts';

/** The variables a canned reply or macro may use. Unknown ones are left visible so the agent notices. */
export const TEMPLATE_VARIABLES = ['customer.name', 'customer.email', 'customer.uid', 'ticket.number', 'ticket.subject', 'ticket.status', 'agent.name', 'agent.first_name'] as const;

/** Fills {{variables}} from the conversation, its customer and the acting agent. */
export async function templateRenderer(ctx: Ctx, conversationId: string, template: string): Promise<string> {
  const conversation = await conversationGetter(ctx, conversationId);
  const [contact] = await ctx.db.select().from(contacts).where(eq(contacts.id, conversation.contactId));
  const agentName = ctx.actor.type === 'agent' ? ((await ctx.db.select({ name: agents.name }).from(agents).where(eq(agents.id, ctx.actor.id)))[0]?.name ?? '') : '';
  const values: Record<string, string> = {
    'customer.name': contact?.name || contact?.email?.split('@')[0] || '',
    'customer.email': contact?.email ?? '',
    'customer.uid': contact?.uid ?? conversation.fields.uid ?? '',
    'ticket.number': String(conversation.number),
    'ticket.subject': conversation.subject,
    'ticket.status': conversation.status,
    'agent.name': agentName,
    'agent.first_name': agentName.split(/\s+/).at(-1) ?? '',
  };
  return template.replace(/\{\{\s*([a-z_.]+)\s*\}\}/g, (whole, key: string) => (Object.hasOwn(values, key) ? values[key]! : whole));
}
