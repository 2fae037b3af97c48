import { describe, expect, it } from "vitest";
import { emptyNsDraft, nsBody, nsCheck, nsFromAnswers, nsLanding, nsSteps } from "./newstyle";
import { checkFile, fileType, outcomeKey, postFile, problemKey, StoreRefused, type UploadForm } from "./upload";

const today = new Date(Date.UTC(2026, 11, 2));
const what = (k: string) => k;

describe("New Style JSA and ESA as data", () => {
  it("asks about a job only when there was one, and when it ended only when it has", () => {
    expect(nsSteps("work_history", emptyNsDraft)).toEqual(["had-job"]);
    expect(nsSteps("work_history", { ...emptyNsDraft, hadJob: "yes" })).toEqual(["had-job", "job", "leaving"]);
    const d = { ...emptyNsDraft, hadJob: "yes" as const, leaving: "still_employed" };
    expect(nsCheck("leaving", d, today, what)).toEqual({});
    expect(Object.keys(nsCheck("leaving", { ...d, leaving: "redundancy" }, today, what))).toEqual(["jobEnded"]);
    const ended = { ...d, leaving: "redundancy", jobStarted: { day: "1", month: "6", year: "2024" }, jobEnded: { day: "1", month: "5", year: "2024" } };
    expect(nsCheck("leaving", ended, today, what).jobEnded.key).toBe("ns.errors.endBeforeStart");
  });

  it("sends each section as the claims API's shapes", () => {
    const d = {
      ...emptyNsDraft, hadJob: "yes" as const, employer: " Corner Shop ", jobStarted: { day: "8", month: "1", year: "2020" },
      jobEnded: { day: "31", month: "10", year: "2026" }, jobHours: "37", leaving: "redundancy",
      seeking: "yes" as const, kindsOfWork: "Retail\n\n warehouse ", workHours: "0", earnings: "",
      hasFitNote: "yes" as const, fitStarts: { day: "1", month: "11", year: "2026" }, treatments: ["dialysis"],
    };
    expect(nsBody("work_history", d)).toEqual({ jobs: [{ employer: "Corner Shop", started_on: "2020-01-08", ended_on: "2026-10-31",
      hours_per_week: 37, reason_for_leaving: "redundancy", reason_detail: "" }] });
    expect(nsBody("jobseeking", d)).toEqual({ actively_seeking: true, kinds_of_work: ["Retail", "warehouse"], steps_taken: [] });
    expect(nsBody("income", d)).toEqual({ hours_per_week: 0, earnings: null });
    expect(nsBody("income", { ...d, earnings: "45.50" })).toEqual({ hours_per_week: 0, earnings: { pence: 4550, frequency: "weekly" } });
    expect(nsBody("fit_note", d)).toEqual({ has_fit_note: true, fit_note: { starts_on: "2026-11-01", ends_on: null, issued_by: "gp" } });
    expect(nsBody("fit_note", { ...d, hasFitNote: "no" })).toEqual({ has_fit_note: false, fit_note: null });
    expect(nsBody("treatment", d)).toMatchObject({ in_hospital: false, treatments: ["dialysis"] });
    // And back: a saved section fills the draft for "Change".
    expect(nsFromAnswers({ work_history: nsBody("work_history", d) })).toMatchObject({ hadJob: "yes", employer: "Corner Shop", leaving: "redundancy" });
  });

  it("lands the API's problems on the page and field their pointer names", () => {
    expect(nsLanding("work_history", { pointer: "#/jobs/0/ended_on", detail: "x" })).toEqual({ step: "leaving", field: "jobEnded" });
    expect(nsLanding("availability", { pointer: "#/availability/hours_per_week", detail: "x" })).toEqual({ step: "available-hours", field: "availableHours" });
    expect(nsLanding("fit_note", { pointer: "#/fit_note/ends_on", detail: "x" })).toEqual({ step: "fit-note-dates", field: "fitEnds" });
    expect(nsLanding("jobseeking", { pointer: "#/kinds_of_work/3", detail: "x" })).toEqual({ step: "kinds-of-work", field: "kindsOfWork" });
    expect(nsLanding("condition", { pointer: "#/nothing", detail: "x" })).toEqual({ step: "condition", field: "condition" });
  });

  it("refuses text over the longest the service takes, and a blank description", () => {
    expect(nsCheck("condition", { ...emptyNsDraft, condition: "   " }, today, what).condition.key).toBe("ns.errors.condition");
    expect(nsCheck("kinds-of-work", { ...emptyNsDraft, kindsOfWork: "x".repeat(2001) }, today, what).kindsOfWork.key).toBe("ns.errors.tooLong");
  });
});

describe("evidence files", () => {
  it("knows a file's type from the browser or its name, and refuses others, empty and too big files", () => {
    expect(fileType({ name: "lease.PDF", type: "" })).toBe("application/pdf");
    expect(fileType({ name: "photo", type: "image/jpeg" })).toBe("image/jpeg");
    expect(checkFile(null)).toBe("upload.errors.missing");
    expect(checkFile({ name: "a.docx", type: "application/msword", size: 10 })).toBe("upload.errors.type");
    expect(checkFile({ name: "a.png", type: "image/png", size: 0 })).toBe("upload.errors.empty");
    expect(checkFile({ name: "a.png", type: "image/png", size: 10 * 1024 * 1024 + 1 })).toBe("upload.errors.tooBig");
    expect(checkFile({ name: "a.png", type: "image/png", size: 500 }, 100)).toBe("upload.errors.tooBig");
  });

  it("says why the claims service refused what arrived", () => {
    const view = { id: "u", todo_id: "t", declared_type: "application/pdf", size: 1, message: null };
    expect(outcomeKey({ ...view, state: "accepted", refusal: null })).toBeNull();
    expect(outcomeKey({ ...view, state: "quarantined", refusal: null })).toBe("upload.errors.virus");
    expect(outcomeKey({ ...view, state: "refused", refusal: "too_big" })).toBe("upload.errors.tooBig");
    expect(outcomeKey({ ...view, state: "refused", refusal: "not_what_it_says" })).toBe("upload.errors.notWhatItSays");
    expect(problemKey({ type: "https://dwp/problems/upload-not-allowed", title: "x", status: 422 })).toBe("upload.errors.type");
    expect(problemKey({ type: "about:blank", title: "x", status: 503 })).toBe("errors.unavailable");
  });

  it("posts the form's fields then the file, reports progress and reads S3's refusal", async () => {
    const form: UploadForm = { upload: {} as UploadForm["upload"], url: "http://127.0.0.1:4566/dwp-evidence", fields: { key: "k", policy: "p" }, max_bytes: 100 };
    const sent: { method: string; url: string; body?: FormData } = { method: "", url: "" };
    const fake = (status: number, responseText = "") => () => {
      const xhr = {
        status, responseText, upload: {} as { onprogress?: (e: ProgressEvent) => void },
        onload: null as null | (() => void), onerror: null as null | (() => void),
        open: (method: string, url: string) => Object.assign(sent, { method, url }),
        send: (body: FormData) => {
          sent.body = body;
          xhr.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 } as ProgressEvent);
          xhr.onload?.();
        },
      };
      return xhr as unknown as XMLHttpRequest;
    };
    const shares: number[] = [];
    await postFile(form, new Blob(["%PDF-1.4"]), (s) => shares.push(s), fake(204));
    expect(sent.method).toBe("POST");
    expect(sent.url).toBe(form.url);
    expect([...sent.body!.keys()]).toEqual(["key", "policy", "file"]); // the file last, as S3 wants
    expect(shares).toEqual([0.5, 1]);
    const refused = postFile(form, new Blob(["x"]), () => {}, fake(400, "<Error><Code>EntityTooLarge</Code></Error>"));
    await expect(refused).rejects.toEqual(new StoreRefused(400, "EntityTooLarge"));
  });
});
