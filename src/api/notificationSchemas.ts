import { z } from 'zod';

import { notificationEvents, notificationFormats } from '../notifications/events';
import { idSchema } from './schemas';

const name = z.string().trim().min(1).max(100).regex(/^[^\0]*$/, 'must not contain a NUL byte');
const ids = z.array(idSchema).min(1).max(200);

/** The webhook's URL: checked here for its shape; its address is checked by the route (DNS) and at every connect. */
const webhookUrl = z
  .string()
  .max(2048)
  .refine((raw) => URL.canParse(raw) && ['http:', 'https:'].includes(new URL(raw).protocol), 'must be an absolute http or https URL')
  .describe('where events are POSTed; stored encrypted and shown masked (a Slack webhook URL is a secret)');

/** Every field an admin may set on a notification target; create adds defaults, PATCH takes any subset. */
export const notificationFields = {
  name,
  url: webhookUrl,
  events: z
    .array(z.enum(notificationEvents))
    .min(1)
    .max(notificationEvents.length)
    .refine((events) => new Set(events).size === events.length, 'must not name an event twice')
    .describe('the events this target wants'),
  environmentIds: ids.nullable().describe('only executions on these environments; null for every environment'),
  jobIds: ids.nullable().describe('only executions of these jobs; null for every job'),
  onlyProduction: z.boolean().describe('only executions on production environments'),
  format: z.enum(notificationFormats).describe('`json` (generic) or `slack` (an incoming-webhook body: text and blocks)'),
  enabled: z.boolean(),
};

export const notificationBody = z
  .object({
    ...notificationFields,
    environmentIds: notificationFields.environmentIds.default(null),
    jobIds: notificationFields.jobIds.default(null),
    onlyProduction: notificationFields.onlyProduction.default(false),
    format: notificationFields.format.default('json'),
    enabled: notificationFields.enabled.default(true),
  })
  .strict();

export const notificationPatch = z.object(notificationFields).partial().strict();

export const deliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();
