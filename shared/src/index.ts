/** Wire protocol and domain types shared by the edge and the executor fleet. */
export * from "./api/api-keys.ts";
export * from "./api/common.ts";
export * from "./api/projects.ts";
export * from "./api/runs.ts";
export * from "./api/servers.ts";
export * from "./api/sign-in.ts";
export * from "./api/telegram.ts";
export * from "./api/users.ts";
export * from "./protocol/agent.ts";
export * from "./protocol/ansible.ts";
export * from "./protocol/container.ts";
export * from "./protocol/copier.ts";
export * from "./protocol/git.ts";
export * from "./protocol/jobs.ts";
export * from "./protocol/messages.ts";
export * from "./protocol/project-test.ts";
export * from "./protocol/values.ts";
