// Slack file I/O: download a user's upload (files.info → url_private_download with the bot token), upload
// our CSVs (files.uploadV2 = getUploadURLExternal → POST → completeUploadExternal), open DMs.
import type { WebClient } from "@slack/web-api";

/** Files bigger than this are refused before download (150,000 rows of a wide template fit well under). */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

export type SlackFileErrorCode =
  | "file.not_found"
  | "file.not_csv"
  | "file.too_large"
  | "file.download_failed"
  | "file.no_access";

/** A file we cannot use; `message` is user-facing. */
export class SlackFileError extends Error {
  /** The file's name, once files.info told it (for the answer: "I couldn't use hires.pdf"). */
  readonly fileName: string | undefined;
  constructor(
    readonly code: SlackFileErrorCode,
    message: string,
    options?: { cause?: unknown; fileName?: string },
  ) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "SlackFileError";
    this.fileName = options?.fileName;
  }
}

export interface SlackFileMeta {
  id: string;
  /** "check_file_info" on the stubs of Slack Connect (shared) channels: no name, type or URLs until files.info. */
  file_access?: string;
  name?: string;
  title?: string;
  filetype?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
}

const TEXT_FILETYPES = new Set(["csv", "text", "txt", "tsv", "xlsx", "xls"]);
const TEXT_MIMETYPES =
  /^(text\/|application\/(csv|vnd\.ms-excel|octet-stream|vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet|vnd\.ms-excel\.sheet\.macroenabled\.12)$)/i;
/** Read: CSV/text and .xlsx. Taken in too, so that the reader says how to save them: .xlsm and .xls. */
const FILE_EXTENSIONS = new Set(["csv", "txt", "tsv", "xlsx", "xlsm", "xls"]);

/**
 * Is this something we can read as CSV or a workbook? By extension first (.csv, .txt, .tsv, .xlsx, and
 * .xlsm/.xls so that the reader can say how to save them), then Slack's filetype, then the MIME type (which
 * may be empty until Slack's scan finishes: node-slack-sdk#2040). PDFs, images and documents are not.
 */
export function isCsvLike(file: Pick<SlackFileMeta, "name" | "filetype" | "mimetype">): boolean {
  const name = (file.name ?? "").toLowerCase();
  const ext = /\.([a-z0-9]+)$/.exec(name)?.[1];
  if (ext !== undefined) return FILE_EXTENSIONS.has(ext);
  if (file.filetype && TEXT_FILETYPES.has(file.filetype.toLowerCase())) return true;
  return file.mimetype !== undefined && file.mimetype !== "" && TEXT_MIMETYPES.test(file.mimetype);
}

/** A stub from a shared channel (or any file object without a name): only files.info says what it is. */
export function isFileStub(file: SlackFileMeta): boolean {
  return file.file_access === "check_file_info" || (file.name === undefined && file.title === undefined);
}

/**
 * The file object as files.info tells it: Slack Connect channels deliver `{id, file_access: "check_file_info"}`
 * in their events, so a file's type can only be judged after this. Full objects are returned as they are.
 */
export async function resolveFile(client: WebClient, file: SlackFileMeta): Promise<SlackFileMeta> {
  if (!isFileStub(file)) return file;
  return fileInfo(client, file.id);
}

async function fileInfo(client: WebClient, fileId: string): Promise<SlackFileMeta> {
  try {
    const info = await client.files.info({ file: fileId });
    return info.file as SlackFileMeta;
  } catch (error) {
    const code = errorCode(error);
    if (code === "file_not_found" || code === "file_deleted") {
      throw new SlackFileError("file.not_found", "The file is gone from Slack: upload it again.", {
        cause: error,
      });
    }
    if (code === "missing_scope" || code === "not_authed" || code === "invalid_auth") {
      throw new SlackFileError(
        "file.no_access",
        "I can't read files here: the app needs the files:read scope.",
        { cause: error },
      );
    }
    throw error;
  }
}

export interface DownloadedFile {
  meta: SlackFileMeta;
  name: string;
  bytes: Uint8Array;
}

function errorCode(error: unknown): string | undefined {
  return (error as { data?: { error?: string } } | null)?.data?.error;
}

/** files.info → checks → GET url_private_download with `Authorization: Bearer <bot token>`. */
export async function downloadSlackFile(
  client: WebClient,
  botToken: string,
  fileId: string,
  options: { fetch?: typeof fetch; maxBytes?: number } = {},
): Promise<DownloadedFile> {
  const maxBytes = options.maxBytes ?? MAX_UPLOAD_BYTES;
  const meta = await fileInfo(client, fileId);
  const name = meta.name ?? meta.title ?? `${fileId}.csv`;
  if (!isCsvLike({ ...meta, name })) {
    throw new SlackFileError(
      "file.not_csv",
      "I can only read CSV files (.csv or .txt, comma, semicolon or tab separated) and Excel workbooks (.xlsx). Save the sheet as one of those and upload it again.",
      { fileName: name },
    );
  }
  if (meta.size !== undefined && meta.size > maxBytes) {
    throw new SlackFileError(
      "file.too_large",
      `The file is ${Math.ceil(meta.size / 1024 / 1024)} MB; files up to ${Math.floor(maxBytes / 1024 / 1024)} MB are accepted.`,
      { fileName: name },
    );
  }
  const url = meta.url_private_download ?? meta.url_private;
  if (!url) throw new SlackFileError("file.download_failed", "Slack gave no download link for the file.");
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      headers: { Authorization: `Bearer ${botToken}` },
      redirect: "follow",
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new SlackFileError("file.download_failed", "I couldn't download the file from Slack.", {
      cause: error,
    });
  }
  if (!response.ok) {
    throw new SlackFileError(
      "file.download_failed",
      `I couldn't download the file from Slack (HTTP ${response.status}).`,
    );
  }
  // Without the right token or scope Slack answers with its HTML sign-in page and status 200.
  if ((response.headers.get("content-type") ?? "").startsWith("text/html")) {
    throw new SlackFileError(
      "file.no_access",
      "Slack answered with a sign-in page instead of the file: the app needs the files:read scope.",
    );
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > maxBytes) {
    throw new SlackFileError(
      "file.too_large",
      `The file is larger than ${Math.floor(maxBytes / 1024 / 1024)} MB.`,
    );
  }
  return { meta, name, bytes };
}

/** The DM channel between the bot and a user (conversations.open; idempotent on Slack's side). */
export async function openDm(client: WebClient, userId: string): Promise<string> {
  const opened = await client.conversations.open({ users: userId });
  const id = opened.channel?.id;
  if (!id) throw new Error("conversations.open returned no channel");
  return id;
}

export interface CsvUpload {
  channel: string;
  threadTs?: string | null;
  filename: string;
  bytes: Uint8Array;
  title?: string;
  initialComment?: string;
}

/** Uploads one CSV to a channel (and thread). Returns the file id. */
export async function uploadCsv(client: WebClient, upload: CsvUpload): Promise<string | undefined> {
  const common = {
    channel_id: upload.channel,
    file: Buffer.from(upload.bytes),
    filename: upload.filename,
    title: upload.title ?? upload.filename,
    ...(upload.initialComment ? { initial_comment: upload.initialComment } : {}),
  };
  const args: Parameters<WebClient["filesUploadV2"]>[0] = upload.threadTs
    ? { ...common, thread_ts: upload.threadTs }
    : common;
  const result = await client.filesUploadV2(args);
  const completed = (result as { files?: Array<{ files?: Array<{ id?: string }> }> }).files;
  return completed?.[0]?.files?.[0]?.id;
}

/** Slack error codes that mean "this channel is not reachable for the bot": fall back to a DM. */
export const CHANNEL_UNREACHABLE = new Set([
  "not_in_channel",
  "channel_not_found",
  "is_archived",
  "channel_is_archived",
  "restricted_action",
  "posting_to_channel_denied",
  "invalid_channel",
]);

export function slackErrorCode(error: unknown): string | undefined {
  return errorCode(error);
}

export function isChannelUnreachable(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && CHANNEL_UNREACHABLE.has(code);
}
