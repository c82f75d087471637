/** The control-plane Worker: HTTP API, Durable Objects and cron housekeeping. */
import { createApp } from "./api/app.ts";
import type { Env } from "./env.ts";
import { scheduled } from "./scheduled.ts";

export { Allocator } from "./allocator/allocator.ts";
export { ChatSession } from "./chat/session.ts";
export { ExecutorHub } from "./executors/hub.ts";
export { ServiceMonitor } from "./monitors/service-monitor.ts";
export { DevOpsWorkflow } from "./pipelines/devops/workflow.ts";
export { EngineeringWorkflow } from "./pipelines/engineering/workflow.ts";
export { TemplateCheckWorkflow } from "./templates/check-workflow.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled,
} satisfies ExportedHandler<Env>;
