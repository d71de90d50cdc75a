// Reading an uploaded file from a request: the raw body (text/csv, application/octet-stream, …: bytes as
// sent, any encoding the CSV reader accepts) or multipart/form-data with a `file` field (parsed with the
// WHATWG Request#formData() built into Node, so no dependency). The size limit is enforced by the raw
// body parser before anything is parsed.
import type { Request } from "express";
import { ApiError } from "./errors.ts";

export interface Upload {
  bytes: Uint8Array;
  fileName?: string;
}

/** Bodies that are clearly not a CSV file (a form post, JSON): refused with a hint. */
const NOT_CSV = ["application/json", "application/x-www-form-urlencoded"];

const HOW =
  "Send the CSV file or .xlsx workbook as the body (Content-Type: text/csv or application/octet-stream) or as multipart/form-data with a 'file' field.";

function mediaType(req: Request): string {
  return (req.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

export function isMultipart(req: Request): boolean {
  return mediaType(req) === "multipart/form-data";
}

/** The uploaded bytes of a request whose body the raw parser has read into a Buffer. */
export async function readUpload(req: Request, field = "file"): Promise<Upload> {
  const type = mediaType(req);
  if (NOT_CSV.includes(type))
    throw new ApiError(415, "http.unsupported_media_type", `${type} is not a CSV file. ${HOW}`);
  const body: unknown = req.body;
  const raw = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
  if (type !== "multipart/form-data")
    return { bytes: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength) };

  let form: FormData;
  try {
    form = await new globalThis.Request("http://localhost/upload", {
      method: "POST",
      headers: { "content-type": req.get("content-type") ?? "" },
      body: raw,
    }).formData();
  } catch {
    throw new ApiError(400, "http.bad_multipart", `The multipart body could not be read. ${HOW}`);
  }
  const part = form.get(field);
  if (part === null) {
    throw new ApiError(400, "http.missing_file", `The multipart body has no '${field}' field. ${HOW}`);
  }
  if (typeof part === "string") return { bytes: new TextEncoder().encode(part) };
  return {
    bytes: new Uint8Array(await part.arrayBuffer()),
    ...(part.name ? { fileName: part.name } : {}),
  };
}
