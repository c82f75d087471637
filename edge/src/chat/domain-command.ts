/**
 * `/domain <project> <domain>` attaches a custom domain to the project (as `PUT
 * /projects/{id}/domain`: once its DNS points at the server, else the record to create is said);
 * `/domain <project> off` detaches it. The run that configures the proxy reports in this chat.
 */
import { type DnsRecord, DomainName } from "@codegen-orchestrator/shared";
import { ApiError } from "../domain/errors.ts";
import { findOwnProjectBySlug } from "../domain/projects.ts";
import { attachDomain, detachDomain } from "../pipelines/devops/project-domain.ts";
import { code, escapeHtml } from "../telegram/format.ts";
import type { ChatContext } from "./context.ts";

const USAGE =
  "Usage: /domain &lt;project&gt; &lt;domain&gt;, e.g. /domain shop shop.example.com; /domain shop off removes it";

export async function domainCommand(ctx: ChatContext, args: string): Promise<void> {
  const [slug, name, ...rest] = args.trim().split(/\s+/).filter(Boolean);
  const say = (html: string) => ctx.channel.send(ctx.chatId, html).then(() => undefined);
  if (!slug || !name || rest.length > 0) return say(USAGE);
  const project = await findOwnProjectBySlug(ctx.db, ctx.actor, slug.toLowerCase());
  if (!project) return say(`You have no project ${code(slug)}. /projects lists them.`);
  const off = name.toLowerCase() === "off";
  const domain = DomainName.safeParse(name);
  if (!off && !domain.success) return say(`${code(name)} is not a domain name. ${USAGE}`);
  try {
    if (off) {
      await detachDomain(ctx.env, ctx.db, ctx.actor, project, ctx.chatId);
      return say(`🌐 Removing the custom domain of ${code(project.slug)}: deploying it again…`);
    }
    const attached = await attachDomain(
      ctx.env,
      ctx.db,
      ctx.actor,
      project.id,
      domain.data as string,
      ctx.chatId,
    );
    await say(
      `🌐 ${code(attached.domain ?? "")} points at the server: deploying ${code(project.slug)} again to serve it at ${escapeHtml(attached.url ?? "")}…`,
    );
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const records = (error.details as { records?: DnsRecord[] } | undefined)?.records;
    if (error.code === "dns_mismatch" && records)
      return say(
        `🌐 ${code(name)} does not point at the server of ${code(project.slug)} yet. Create this DNS record:\n${records
          .map((record) => code(`${record.type} ${record.name} → ${record.value}`))
          .join("\nor ")}\nthen send /domain ${escapeHtml(project.slug)} ${escapeHtml(name)} again.`,
      );
    await say(`⚠️ ${escapeHtml(error.message)}`);
  }
}
