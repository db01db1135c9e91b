import type { DeliveryRetry } from './events';
import type { SecretBox } from './secretBox';

/** What the API and the worker need to keep, announce and send notifications. */
export interface NotificationSettings {
  secretBox: SecretBox;
  /** NOTIFY_ALLOW_PRIVATE_ADDRESSES: read at every check, at creation and at each connect. */
  allowPrivateAddresses: boolean;
  retry: DeliveryRetry;
  /** The task queue delivery workflows run on: the worker's own. */
  taskQueue: string;
  publicUrl: string;
  temporalUiUrl: string;
  namespace: string;
  /** Per attempt; 10 s unless a test says otherwise. */
  attemptTimeoutMs?: number;
}

/** The settings from the configuration; `publicUrl` defaults like the API's. */
export function notificationSettingsFrom(
  config: {
    NOTIFY_ALLOW_PRIVATE_ADDRESSES: boolean;
    NOTIFY_RETRY_INITIAL_SECONDS: number;
    NOTIFY_RETRY_MAX_INTERVAL_SECONDS: number;
    NOTIFY_RETRY_HOURS: number;
    TEMPORAL_TASK_QUEUE: string;
    TEMPORAL_NAMESPACE: string;
    TEMPORAL_UI_URL: string;
    MIGRATOR_PUBLIC_URL: string;
    PORT: number;
  },
  secretBox: SecretBox,
): NotificationSettings {
  return {
    secretBox,
    allowPrivateAddresses: config.NOTIFY_ALLOW_PRIVATE_ADDRESSES,
    retry: {
      initialIntervalSeconds: config.NOTIFY_RETRY_INITIAL_SECONDS,
      maximumIntervalSeconds: config.NOTIFY_RETRY_MAX_INTERVAL_SECONDS,
      retryForSeconds: Math.round(config.NOTIFY_RETRY_HOURS * 3600),
    },
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    namespace: config.TEMPORAL_NAMESPACE,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    publicUrl: config.MIGRATOR_PUBLIC_URL || `http://127.0.0.1:${config.PORT}`,
  };
}
