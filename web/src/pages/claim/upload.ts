// Sending a file of evidence: the claims API gives a presigned S3 POST (a URL and form fields, valid 15
// minutes, for this upload's key, its type and at most `max_bytes`); the browser posts the file straight
// to the bucket with XMLHttpRequest (whose upload events give the progress bar), then tells the claims
// service, which checks what arrived (size, real type, malware scan). No page code here.
import type { ProblemDocument } from "../../api";

export const ALLOWED: Record<string, string[]> = {
  "application/pdf": [".pdf"],
  "image/jpeg": [".jpg", ".jpeg"],
  "image/png": [".png"],
};
export const MAX_BYTES = 10 * 1024 * 1024; // the claims service's policy; its form's max_bytes wins when smaller

export type UploadView = {
  id: string; todo_id: string; state: "awaiting" | "accepted" | "refused" | "quarantined";
  refusal: string | null; message: string | null; declared_type: string; size: number | null;
};
export type UploadForm = { upload: UploadView; url: string; fields: Record<string, string>; max_bytes: number };

/** The file's type as the claims service names it: what the browser says, else from its name. */
export function fileType(file: { name: string; type: string }): string | null {
  if (ALLOWED[file.type]) return file.type;
  const name = file.name.toLowerCase();
  return Object.keys(ALLOWED).find((type) => ALLOWED[type].some((ext) => name.endsWith(ext))) ?? null;
}

/** The translation key of what is wrong with a file before it is sent, or null. */
export function checkFile(file: { name: string; type: string; size: number } | null, maxBytes = MAX_BYTES): string | null {
  if (!file) return "upload.errors.missing";
  if (!fileType(file)) return "upload.errors.type";
  if (file.size === 0) return "upload.errors.empty";
  if (file.size > maxBytes) return "upload.errors.tooBig";
  return null;
}

/** What the page says about a checked upload: null when accepted, else the key of the reason. */
export function outcomeKey(view: UploadView): string | null {
  if (view.state === "accepted") return null;
  if (view.state === "quarantined") return "upload.errors.virus";
  const keys: Record<string, string> = {
    too_big: "upload.errors.tooBig", type_not_allowed: "upload.errors.type", not_what_it_says: "upload.errors.notWhatItSays",
    empty: "upload.errors.empty", not_arrived: "upload.errors.notArrived",
  };
  return (view.refusal && keys[view.refusal]) || "upload.errors.refused";
}

/** A problem document from the claims API about starting an upload, as the page's words. */
export function problemKey(problem: ProblemDocument): string {
  const type = problem.type.split("/").pop();
  if (type === "upload-not-allowed" || problem.errors?.some((e) => e.pointer.endsWith("/content_type"))) return "upload.errors.type";
  if (problem.status === 404) return "upload.errors.noTodo";
  return "errors.unavailable";
}

export class StoreRefused extends Error {
  constructor(public readonly status: number, public readonly code: string) {
    super(`the evidence store refused the file: ${status} ${code}`);
  }
}

/** POST the form's fields and then the file (S3 wants it last) to the presigned URL, reporting the
 * share sent (0 to 1). S3's refusals are XML with a `<Code>`: EntityTooLarge is a file over the limit. */
export function postFile(form: UploadForm, file: Blob, onProgress: (share: number) => void, make = () => new XMLHttpRequest()): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = new FormData();
    for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
    body.append("file", file);
    const xhr = make();
    xhr.open("POST", form.url);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else {
        const code = /<Code>([^<]+)<\/Code>/.exec(String(xhr.responseText ?? ""))?.[1] ?? "";
        reject(new StoreRefused(xhr.status, code));
      }
    };
    xhr.onerror = () => reject(new StoreRefused(0, "NetworkError"));
    xhr.send(body);
  });
}
