// Calls to the BFF. Same origin only; the session is an HttpOnly cookie the browser sends, and every
// state-changing call echoes the CSRF cookie in a header (the BFF's double-submit check).

export type FieldProblem = { pointer: string; field?: string | null; detail: string; code?: string };
export type ProblemDocument = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldProblem[];
  /** A postcode whose district lies in several Broad Rental Market Areas: the areas to choose from. */
  choices?: AreaChoice[];
};
export type AreaChoice = { brma: string; name: string };

export class ProblemError extends Error {
  constructor(public readonly problem: ProblemDocument) {
    super(problem.detail ?? problem.title);
  }
}

export function csrfToken(): string {
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("dwp_csrf="));
  return cookie ? decodeURIComponent(cookie.slice("dwp_csrf=".length)) : "";
}

export const ACTIVITY = "dwp:session-activity";

type Sent<T> = { data: T; etag: string | null };

async function request<T>(method: string, url: string, body?: unknown, extra: Record<string, string> = {}): Promise<Sent<T>> {
  const headers: Record<string, string> = { Accept: "application/json", ...extra };
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = response.headers.get("content-type") ?? "";
  const data = type.includes("json") ? await response.json() : null;
  // Every call through the BFF with a live session touches it (a token is issued for it): the
  // time-out warning starts its count again.
  if (url.startsWith("/api/") && response.status !== 401) window.dispatchEvent(new Event(ACTIVITY));
  if (!response.ok) {
    throw new ProblemError(
      data && typeof data === "object" && "status" in data
        ? (data as ProblemDocument)
        : { type: "about:blank", title: response.statusText, status: response.status },
    );
  }
  return { data: data as T, etag: response.headers.get("etag") };
}

async function send<T>(method: string, url: string, body?: unknown, extra?: Record<string, string>): Promise<T> {
  return (await request<T>(method, url, body, extra)).data;
}

export const api = {
  get: <T>(path: string) => send<T>("GET", `/api${path}`),
  post: <T>(path: string, body: unknown, headers?: Record<string, string>) => send<T>("POST", `/api${path}`, body, headers),
  put: <T>(path: string, body: unknown, headers?: Record<string, string>) => send<T>("PUT", `/api${path}`, body, headers),
  /** A record and its ETag, for a change sent back with If-Match (the APIs' optimistic locking). */
  read: <T>(path: string) => request<T>("GET", `/api${path}`),
  /** Any call, answering with the body and the ETag (for the next If-Match). */
  send: <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    request<T>(method, `/api${path}`, body, headers),
  patch: <T>(path: string, body: unknown, etag: string | null) =>
    request<T>("PATCH", `/api${path}`, body, etag ? { "If-Match": etag } : {}),
};

export type Session =
  | { signed_in: false }
  | {
      signed_in: true;
      /** The identity service's session kind: a citizen (One Login) or a member of staff (staff sign-in). */
      kind: "citizen" | "staff";
      subject_id: string;
      /** A member of staff's app roles (caseworker, team-leader); empty for a citizen. */
      roles?: string[];
      name: string;
      level_of_confidence: string;
      expires_at: number;
      now: number;
    };

export const auth = {
  session: () => send<Session>("GET", "/auth/session"),
  register: (nino: string) => send<{ registered: boolean }>("POST", "/auth/register", { national_insurance_number: nino }),
};
