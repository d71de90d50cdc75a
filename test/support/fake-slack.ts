// A local fake of the Slack Web API for tests (SLACK.md §2). Point the real WebClient / Bolt at `url`
// (clientOptions.slackApiUrl or SLACK_API_URL). Every message and view sent is checked by our Block Kit
// validator: a broken limit is answered like Slack would (ok:false) and remembered in `violations`.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { BlockKitProblem } from "../../src/slack/validate-blocks.ts";
import { validateMessage, validateView } from "./block-kit.ts";

type Args = Record<string, unknown>;

export interface RecordedCall {
  /** Web API method ("chat.postMessage"), or "upload" / "files.download" / "response_url". */
  method: string;
  args: Args;
  /** Date.now() when received: for ordering, never for timing assertions. */
  at: number;
  ok: boolean;
  error?: string;
}
export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown[];
  /** Set for chat.postEphemeral (the recipient). */
  user?: string;
  ephemeral: boolean;
  /** Every version, first = as posted. */
  history: Array<{ text?: string; blocks?: unknown[] }>;
  deleted: boolean;
}
export interface FakeView {
  id: string;
  hash: string;
  view: Args;
  trigger_id?: string;
  /** views.publish target. */
  user_id?: string;
  /** Every version, first = as opened. */
  history: Args[];
}
export interface FakeFile {
  id: string;
  name: string;
  title?: string;
  bytes: Buffer;
  /** Set by files.completeUploadExternal (bot uploads) or addFile (user uploads). */
  channel?: string;
  thread_ts?: string;
  initial_comment?: string;
  user?: string;
  completed: boolean;
}
export interface Violation {
  method: string;
  problems: BlockKitProblem[];
  args: Args;
}
export interface FailureSpec {
  status?: 429 | 500;
  /** Seconds, sent as Retry-After with status 429 (default 1). */
  retryAfter?: number;
  /** A Slack error code answered with HTTP 200 `{ok:false,error}` (e.g. "not_in_channel"). */
  error?: string;
  /** How many calls fail (default 1). */
  times?: number;
}
export interface FakeSlackOptions {
  botToken?: string;
  /** App-level token (`xapp-…`) accepted by apps.connections.open (Socket Mode). */
  appToken?: string;
  teamId?: string;
  botUserId?: string;
  botId?: string;
  /** Listen on this port (default: any free one), e.g. to come up where a server already points. */
  port?: number;
}
export interface FakeSlack {
  /** Base Web API URL ending with `/api/`. */
  url: string;
  /** `http://127.0.0.1:port`. */
  origin: string;
  botToken: string;
  appToken: string;
  /** What apps.connections.open answers as the Socket Mode URL (set by the test's Socket Mode server). */
  socketModeUrl: string | undefined;
  calls: RecordedCall[];
  /** Files the bot uploaded (files.getUploadURLExternal → upload → files.completeUploadExternal). */
  files: FakeFile[];
  /** Files users uploaded (addFile): served by files.info and url_private(_download). */
  userFiles: FakeFile[];
  messages: FakeMessage[];
  views: FakeView[];
  /** Bodies POSTed to response URLs (see responseUrl). */
  responses: Array<{ id: string; body: Args }>;
  violations: Violation[];
  /** Workspace members by e-mail (lower case) → user id: what users.lookupByEmail finds. */
  members: Map<string, string>;
  /** Makes `email` a member with `id` (default: an id derived from the e-mail). Returns the id. */
  addMember(email: string, id?: string): string;
  setFailure(method: string, spec: FailureSpec): void;
  addFile(file: {
    id?: string;
    name: string;
    content: string | Buffer;
    channel?: string;
    user?: string;
  }): Args;
  /**
   * The file object a Slack Connect (shared) channel puts in its events and file inputs: an id and
   * `file_access: "check_file_info"`, no name, type or URLs. files.info answers with the whole file.
   */
  stubOf(file: Args): Args;
  /** A response_url served by this fake. */
  responseUrl(id?: string): string;
  callsTo(method: string): RecordedCall[];
  messagesIn(channel: string, threadTs?: string): FakeMessage[];
  close(): Promise<void>;
}

/** Nested values WebClient sends JSON-encoded inside form fields. */
const JSON_FIELDS = ["blocks", "attachments", "view", "files", "metadata"];

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function parseArgs(req: IncomingMessage, raw: Buffer): Promise<{ args: Args; fileBytes?: Buffer }> {
  const type = req.headers["content-type"] ?? "";
  const args: Args = {};
  let fileBytes: Buffer | undefined;
  if (type.startsWith("application/json")) {
    Object.assign(args, raw.length > 0 ? JSON.parse(raw.toString("utf8")) : {});
  } else if (type.startsWith("multipart/form-data")) {
    const form = await new Response(new Uint8Array(raw), { headers: { "content-type": type } }).formData();
    for (const [key, value] of form.entries()) {
      if (typeof value === "string") args[key] = value;
      else fileBytes = Buffer.from(await value.arrayBuffer());
    }
  } else {
    for (const [key, value] of new URLSearchParams(raw.toString("utf8"))) args[key] = value;
  }
  for (const key of JSON_FIELDS) {
    const v = args[key];
    if (typeof v === "string" && /^\s*[[{]/.test(v)) {
      try {
        args[key] = JSON.parse(v);
      } catch {
        // leave as given: the validator reports it
      }
    }
  }
  return { args, fileBytes };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const isBuffer = Buffer.isBuffer(body);
  res.writeHead(status, {
    "content-type": isBuffer ? "text/csv" : "application/json; charset=utf-8",
    ...headers,
  });
  res.end(isBuffer ? body : JSON.stringify(body));
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botToken = options.botToken ?? "xoxb-test-token";
  const appToken = options.appToken ?? "xapp-1-A0BULK-test-token";
  const teamId = options.teamId ?? "T0FAKE";
  const botUserId = options.botUserId ?? "U0BOT";
  const botId = options.botId ?? "B0BOT";
  let seq = 0;
  const next = () => ++seq;
  const ts = () => {
    const n = next();
    return `${1_750_000_000 + n}.${String(n).padStart(6, "0")}`;
  };
  const failures = new Map<string, FailureSpec & { times: number }>();
  const usedTriggers = new Set<string>();
  const pendingUploads = new Map<string, FakeFile>();
  let origin = "";

  const fake: FakeSlack = {
    url: "",
    origin: "",
    botToken,
    appToken,
    socketModeUrl: undefined,
    calls: [],
    files: [],
    userFiles: [],
    messages: [],
    views: [],
    responses: [],
    violations: [],
    members: new Map(),
    addMember(email, id) {
      const userId = id ?? `U${String(next()).padStart(8, "0")}`;
      fake.members.set(email.toLowerCase(), userId);
      return userId;
    },
    setFailure(method, spec) {
      failures.set(method, { ...spec, times: spec.times ?? 1 });
    },
    addFile(file) {
      const f: FakeFile = {
        id: file.id ?? `F${String(next()).padStart(8, "0")}`,
        name: file.name,
        title: file.name,
        bytes: Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content, "utf8"),
        channel: file.channel,
        user: file.user,
        completed: true,
      };
      fake.userFiles.push(f);
      return fileObject(f);
    },
    stubOf: (file) => ({
      id: file.id,
      mode: "file_access",
      file_access: "check_file_info",
      created: 0,
      timestamp: 0,
      user: file.user,
    }),
    responseUrl: (id = `R${next()}`) => `${origin}/response/${id}`,
    callsTo: (method) => fake.calls.filter((c) => c.method === method),
    messagesIn: (channel, threadTs) =>
      fake.messages.filter(
        (m) => m.channel === channel && (threadTs === undefined || m.thread_ts === threadTs),
      ),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };

  /** Slack's mimetype and filetype for a file, from its extension as Slack derives them. */
  const typeOf = (name: string) =>
    /\.xlsx$/i.test(name)
      ? { mimetype: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", filetype: "xlsx" }
      : /\.pdf$/i.test(name)
        ? { mimetype: "application/pdf", filetype: "pdf" }
        : { mimetype: "text/csv", filetype: "csv" };
  const findFile = (id: unknown) => [...fake.userFiles, ...fake.files].find((f) => f.id === id);
  function fileObject(f: FakeFile): Args {
    const path = `${origin}/files-pri/${teamId}-${f.id}`;
    return {
      id: f.id,
      name: f.name,
      title: f.title ?? f.name,
      ...typeOf(f.name),
      size: f.bytes.length,
      user: f.user ?? botUserId,
      channels: f.channel ? [f.channel] : [],
      url_private: `${path}/${encodeURIComponent(f.name)}`,
      url_private_download: `${path}/download/${encodeURIComponent(f.name)}`,
    };
  }

  /** Validate; on a broken limit record the violation and return the Slack-like error body. */
  function check(method: string, args: Args, problems: BlockKitProblem[], prefix = ""): Args | null {
    if (problems.length === 0) return null;
    fake.violations.push({ method, problems, args });
    return {
      ok: false,
      error: "invalid_blocks",
      response_metadata: {
        messages: problems.map((p) => `[ERROR] ${p.message} [json-pointer:${prefix}${p.path}]`),
      },
    };
  }
  const checkMessage = (method: string, args: Args) =>
    check(method, args, validateMessage({ text: args.text, blocks: args.blocks }));
  const checkView = (method: string, args: Args) => check(method, args, validateView(args.view), "/view");

  function storeView(view: FakeView | undefined, args: Args, extra: Partial<FakeView> = {}): Args {
    const hash = `${1_750_000_000 + next()}.${seq}`;
    const body = args.view as Args;
    const v: FakeView = view ?? {
      id: `V${String(next()).padStart(8, "0")}`,
      hash,
      view: body,
      history: [],
      ...extra,
    };
    v.hash = hash;
    v.view = body;
    v.history.push(body);
    if (!view) fake.views.push(v);
    return {
      ok: true,
      view: { ...body, id: v.id, hash, team_id: teamId, bot_id: botId, state: { values: {} } },
    };
  }

  function openView(method: string, args: Args): Args {
    const trigger = args.trigger_id;
    if (typeof trigger !== "string" || trigger === "") return { ok: false, error: "invalid_arguments" };
    if (usedTriggers.has(trigger)) return { ok: false, error: "exchanged_trigger_id" };
    const invalid = checkView(method, args);
    if (invalid) return invalid;
    usedTriggers.add(trigger);
    return storeView(undefined, args, { trigger_id: trigger });
  }

  const methods: Record<string, (args: Args) => Args> = {
    "auth.test": () => ({
      ok: true,
      url: `${origin}/`,
      team: "Fake Team",
      user: "bulkusers",
      team_id: teamId,
      user_id: botUserId,
      bot_id: botId,
    }),
    "chat.postMessage": (args) => {
      if (typeof args.channel !== "string" || args.channel === "")
        return { ok: false, error: "channel_not_found" };
      const invalid = checkMessage("chat.postMessage", args);
      if (invalid) return invalid;
      const m: FakeMessage = {
        channel: args.channel,
        ts: ts(),
        thread_ts: typeof args.thread_ts === "string" ? args.thread_ts : undefined,
        text: args.text as string | undefined,
        blocks: args.blocks as unknown[] | undefined,
        ephemeral: false,
        history: [{ text: args.text as string | undefined, blocks: args.blocks as unknown[] | undefined }],
        deleted: false,
      };
      fake.messages.push(m);
      return {
        ok: true,
        channel: m.channel,
        ts: m.ts,
        message: {
          type: "message",
          text: m.text,
          blocks: m.blocks,
          ts: m.ts,
          bot_id: botId,
          user: botUserId,
          thread_ts: m.thread_ts,
        },
      };
    },
    "chat.update": (args) => {
      const m = fake.messages.find(
        (x) => !x.ephemeral && !x.deleted && x.channel === args.channel && x.ts === args.ts,
      );
      if (!m) return { ok: false, error: "message_not_found" };
      const invalid = checkMessage("chat.update", args);
      if (invalid) return invalid;
      m.text = args.text as string | undefined;
      m.blocks = args.blocks as unknown[] | undefined;
      m.history.push({ text: m.text, blocks: m.blocks });
      return {
        ok: true,
        channel: m.channel,
        ts: m.ts,
        text: m.text,
        message: { text: m.text, blocks: m.blocks },
      };
    },
    "chat.postEphemeral": (args) => {
      if (typeof args.channel !== "string" || typeof args.user !== "string")
        return { ok: false, error: "invalid_arguments" };
      const invalid = checkMessage("chat.postEphemeral", args);
      if (invalid) return invalid;
      const m: FakeMessage = {
        channel: args.channel,
        ts: ts(),
        thread_ts: typeof args.thread_ts === "string" ? args.thread_ts : undefined,
        text: args.text as string | undefined,
        blocks: args.blocks as unknown[] | undefined,
        user: args.user,
        ephemeral: true,
        history: [],
        deleted: false,
      };
      m.history.push({ text: m.text, blocks: m.blocks });
      fake.messages.push(m);
      return { ok: true, message_ts: m.ts };
    },
    "chat.delete": (args) => {
      const m = fake.messages.find((x) => !x.deleted && x.channel === args.channel && x.ts === args.ts);
      if (!m) return { ok: false, error: "message_not_found" };
      m.deleted = true;
      return { ok: true, channel: m.channel, ts: m.ts };
    },
    "chat.getPermalink": (args) => ({
      ok: true,
      channel: args.channel,
      permalink: `${origin}/archives/${String(args.channel)}/p${String(args.message_ts).replace(".", "")}`,
    }),
    "conversations.open": (args) => {
      const users = String(args.users ?? "")
        .split(",")
        .filter(Boolean);
      if (users.length === 0) return { ok: false, error: "users_list_not_supplied" };
      return { ok: true, channel: { id: `D${users.join("").replace(/^U/, "")}` } };
    },
    "views.open": (args) => openView("views.open", args),
    "views.push": (args) => openView("views.push", args),
    "views.update": (args) => {
      const v = fake.views.find(
        (x) =>
          (args.view_id !== undefined && x.id === args.view_id) ||
          (args.external_id !== undefined && x.view.external_id === args.external_id),
      );
      if (!v) return { ok: false, error: "not_found" };
      if (typeof args.hash === "string" && args.hash !== v.hash) return { ok: false, error: "hash_conflict" };
      const invalid = checkView("views.update", args);
      if (invalid) return invalid;
      return storeView(v, args);
    },
    "views.publish": (args) => {
      if (typeof args.user_id !== "string") return { ok: false, error: "invalid_arguments" };
      const invalid = checkView("views.publish", args);
      if (invalid) return invalid;
      return storeView(
        fake.views.find((x) => x.user_id === args.user_id),
        args,
        { user_id: args.user_id },
      );
    },
    "files.info": (args) => {
      const f = findFile(args.file);
      return f ? { ok: true, file: fileObject(f) } : { ok: false, error: "file_not_found" };
    },
    "files.getUploadURLExternal": (args) => {
      if (typeof args.filename !== "string" || args.length === undefined)
        return { ok: false, error: "invalid_arguments" };
      const id = `F${String(next()).padStart(8, "0")}`;
      pendingUploads.set(id, { id, name: args.filename, bytes: Buffer.alloc(0), completed: false });
      return { ok: true, upload_url: `${origin}/upload/${id}`, file_id: id };
    },
    "files.completeUploadExternal": (args) => {
      const list = Array.isArray(args.files) ? (args.files as Array<{ id: string; title?: string }>) : [];
      const done: FakeFile[] = [];
      for (const item of list) {
        const f = pendingUploads.get(item.id);
        if (!f || f.bytes.length === 0) return { ok: false, error: "file_not_found" };
        done.push(f);
      }
      for (const f of done) {
        const title = list.find((i) => i.id === f.id)?.title;
        pendingUploads.delete(f.id);
        Object.assign(f, {
          title: typeof title === "string" ? title : f.name,
          channel: args.channel_id as string | undefined,
          thread_ts: args.thread_ts as string | undefined,
          initial_comment: args.initial_comment as string | undefined,
          completed: true,
        });
        fake.files.push(f);
      }
      return { ok: true, files: done.map(fileObject) };
    },
    // Slack answers users_not_found for addresses that are not a member of the workspace.
    "users.lookupByEmail": (args) => {
      const email = String(args.email ?? "").toLowerCase();
      const id = fake.members.get(email);
      if (!id) return { ok: false, error: "users_not_found" };
      return {
        ok: true,
        user: { id, team_id: teamId, name: email.split("@")[0], is_bot: false, profile: { email } },
      };
    },
    "users.info": (args) => {
      const id = String(args.user ?? "");
      if (!/^[UW]/.test(id)) return { ok: false, error: "user_not_found" };
      const email = `${id.toLowerCase()}@example.com`;
      return {
        ok: true,
        user: {
          id,
          team_id: teamId,
          name: id.toLowerCase(),
          real_name: `User ${id}`,
          is_bot: false,
          profile: { email, real_name: `User ${id}`, display_name: id },
        },
      };
    },
  };

  /** Consume an injected failure; true when the response was sent. */
  function failed(res: ServerResponse, call: RecordedCall): boolean {
    const f = failures.get(call.method);
    if (!f || f.times <= 0) return false;
    f.times -= 1;
    call.ok = false;
    if (f.status === 429) {
      call.error = "ratelimited";
      send(res, 429, { ok: false, error: "ratelimited" }, { "retry-after": String(f.retryAfter ?? 1) });
    } else if (f.status === 500) {
      call.error = "internal_error";
      send(res, 500, { ok: false, error: "internal_error" });
    } else {
      call.error = f.error ?? "fatal_error";
      send(res, 200, { ok: false, error: call.error });
    }
    return true;
  }

  const authorised = (req: IncomingMessage, args: Args) =>
    req.headers.authorization === `Bearer ${botToken}` || args.token === botToken;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", origin);
    const raw = await readBody(req);
    const api = /^\/api\/([\w.]+)$/.exec(url.pathname);
    const upload = /^\/upload\/(\w+)$/.exec(url.pathname);
    const download = /^\/files-pri\/[\w]+-(\w+)\/(?:download\/)?[^/]+$/.exec(url.pathname);
    const response = /^\/response\/(\w+)$/.exec(url.pathname);
    const method =
      api?.[1] ?? (upload ? "upload" : download ? "files.download" : response ? "response_url" : null);
    if (method === null) return send(res, 404, { ok: false, error: "not_found" });
    const { args, fileBytes } =
      req.method === "POST" ? await parseArgs(req, raw) : { args: {}, fileBytes: undefined };
    const call: RecordedCall = { method, args, at: Date.now(), ok: true };
    fake.calls.push(call);
    if (failed(res, call)) return;

    if (upload) {
      const f = pendingUploads.get(upload[1] ?? "");
      if (!f) return send(res, 404, { ok: false, error: "upload_not_found" });
      f.bytes = fileBytes ?? raw;
      res.writeHead(200, { "content-type": "text/plain" });
      return void res.end(`OK - ${f.bytes.length}`);
    }
    if (download) {
      const f = findFile(download[1]);
      if (!f) return send(res, 404, { ok: false, error: "file_not_found" });
      if (req.headers.authorization !== `Bearer ${botToken}`) {
        // Slack answers an unauthenticated download with its HTML sign-in page, status 200.
        call.ok = false;
        call.error = "not_authed";
        fake.violations.push({
          method,
          args: { file: f.id },
          problems: [{ path: "", message: "download without the bot token (Authorization: Bearer)" }],
        });
        res.writeHead(200, { "content-type": "text/html" });
        return void res.end("<!DOCTYPE html><html><body>Sign in to Slack</body></html>");
      }
      return send(res, 200, f.bytes);
    }
    if (response) {
      fake.responses.push({ id: response[1] ?? "", body: args });
      const invalid = args.delete_original ? null : checkMessage(method, args);
      call.ok = invalid === null;
      if (invalid) call.error = "invalid_blocks";
      return send(res, invalid ? 400 : 200, invalid ?? { ok: true });
    }
    if (method === "apps.connections.open") {
      // Socket Mode: the app-level token only (a bot token gets `not_allowed_token_type`, as from Slack).
      const ok = req.headers.authorization === `Bearer ${appToken}`;
      const result = !ok
        ? { ok: false, error: "not_allowed_token_type" }
        : fake.socketModeUrl
          ? { ok: true, url: fake.socketModeUrl }
          : { ok: false, error: "internal_error" };
      if (!result.ok) Object.assign(call, { ok: false, error: result.error });
      return send(res, 200, result);
    }
    if (!authorised(req, args)) {
      call.ok = false;
      call.error = "invalid_auth";
      return send(res, 200, { ok: false, error: "invalid_auth" });
    }
    const impl = methods[method];
    const result = impl ? impl(args) : { ok: false, error: "unknown_method" };
    if (result.ok !== true) {
      call.ok = false;
      call.error = String(result.error);
    }
    send(res, 200, result);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { ok: false, error: "fake_slack_crashed", detail: String(error) });
    });
  });
  // Node closes idle keep-alive sockets after 5 s; a client that reuses one just then gets ECONNRESET (seen
  // after planning 5,000 rows on a busy machine). Slack keeps connections far longer: so does the fake.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  fake.origin = origin;
  fake.url = `${origin}/api/`;
  return fake;
}
