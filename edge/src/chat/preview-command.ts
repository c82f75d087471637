/**
 * `/preview <project>` lists the project's previews; `/preview <project> <branch>` deploys the
 * branch as a preview (again, with a new TTL, when it has one), its run reporting in this chat;
 * `/preview <project> <branch> off` removes it. The same rules as `/projects/{id}/previews`.
 */
import { BranchName } from "@codegen-orchestrator/shared";
import { ApiError } from "../domain/errors.ts";
import { listPreviews, type PreviewRow } from "../domain/previews.ts";
import { findOwnProjectBySlug } from "../domain/projects.ts";
import { askPreview, dropPreview } from "../pipelines/devops/preview-requests.ts";
import { code, escapeHtml } from "../telegram/format.ts";
import type { ChatContext } from "./context.ts";
import { when } from "./views.ts";

const USAGE =
  "Usage: /preview &lt;project&gt; [branch [off]], e.g. /preview shop feature-x deploys the branch beside production; /preview shop lists the previews; /preview shop feature-x off removes one";

const STATUS_ICONS: Record<PreviewRow["status"], string> = {
  deploying: "🚚",
  live: "🟢",
  failed: "❌",
  removing: "🧹",
};

/** One line a preview: its branch, state and URL, and when its TTL removes it. */
export function previewLines(rows: PreviewRow[]): string {
  return rows
    .map(
      (row) =>
        `${STATUS_ICONS[row.status]} ${code(row.branch)} ${escapeHtml(row.status)}: ${escapeHtml(row.url)}\n   until ${when(row.expiresAt)} UTC`,
    )
    .join("\n");
}

export async function previewCommand(ctx: ChatContext, args: string): Promise<void> {
  const [slug, branch, off, ...rest] = args.trim().split(/\s+/).filter(Boolean);
  const say = (html: string) => ctx.channel.send(ctx.chatId, html).then(() => undefined);
  if (!slug || rest.length > 0 || (off !== undefined && off.toLowerCase() !== "off")) return say(USAGE);
  const project = await findOwnProjectBySlug(ctx.db, ctx.actor, slug.toLowerCase());
  if (!project) return say(`You have no project ${code(slug)}. /projects lists them.`);
  try {
    if (!branch) {
      const rows = await listPreviews(ctx.db, ctx.actor, project.id);
      if (rows.length === 0)
        return say(
          `${code(project.slug)} has no previews. /preview ${escapeHtml(project.slug)} &lt;branch&gt; deploys one.`,
        );
      return say(`Previews of ${code(project.slug)}:\n${previewLines(rows)}`);
    }
    if (!BranchName.safeParse(branch).success) return say(`${code(branch)} is not a branch name. ${USAGE}`);
    if (off) {
      await dropPreview(ctx.env, ctx.db, ctx.actor, project.id, branch);
      return say(`🧹 Removing the preview of ${code(branch)} of ${code(project.slug)}…`);
    }
    const preview = await askPreview(ctx.env, ctx.db, ctx.actor, project.id, branch, ctx.chatId);
    await say(
      `🚚 Deploying ${code(branch)} of ${code(project.slug)} as a preview at ${escapeHtml(preview.url)}: I will say here when it answers. It goes away when the branch is merged or deleted, or at ${when(preview.expiresAt)} UTC (/preview ${escapeHtml(project.slug)} ${escapeHtml(branch)} off removes it sooner).`,
    );
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    await say(`⚠️ ${escapeHtml(error.message)}`);
  }
}
