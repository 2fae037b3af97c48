// How DWP contacts you (the citizen service's contact preferences): email, text message, post, and
// letters in Welsh. Read with the record's ETag and sent back with it as If-Match.
import { type FormEvent, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { api, ProblemError } from "../api";
import { BackLink, Checkboxes, ErrorSummary, Radios } from "../components/govuk";
import { usePage } from "../components/Layout";
import { useSession } from "../session";

export const CHANNELS = ["email", "sms", "post"] as const;
type Preferences = { channels: string[]; welsh_letters: boolean };

export default function ContactPreferences() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const session = useSession();
  const [prefs, setPrefs] = useState<{ data: Preferences; etag: string | null } | null>(null);
  const [channels, setChannels] = useState<string[]>([]);
  const [welsh, setWelsh] = useState("");
  const [error, setError] = useState<{ field: string; key: string } | null>(null);
  usePage(t("contact.title"), Boolean(error));
  const citizenId = session?.signed_in && session.kind === "citizen" ? session.subject_id : null;
  const path = citizenId ? `/v1/citizens/${encodeURIComponent(citizenId)}/contact-preferences` : null;
  useEffect(() => {
    if (!path) return;
    api.read<Preferences>(path).then((got) => {
      setPrefs(got);
      setChannels(got.data.channels);
      setWelsh(got.data.welsh_letters ? "yes" : "no");
    }).catch(() => setError({ field: "channels", key: "errors.unavailable" }));
  }, [path]);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!path) return;
    if (!channels.length) return setError({ field: "channels", key: "contact.missing" });
    try {
      await api.send("PUT", path, { channels, welsh_letters: welsh === "yes" }, prefs?.etag ? { "If-Match": prefs.etag } : {});
      navigate("/account?updated=contact");
    } catch (e) {
      setError({ field: "channels", key: e instanceof ProblemError && e.problem.status === 412 ? "contact.changed" : "errors.unavailable" });
    }
  }

  if (!citizenId) return <h1 className="govuk-heading-l">{t("account.notSignedIn")}</h1>;
  return (
    <>
      <BackLink to="/account" />
      <div className="govuk-grid-row"><div className="govuk-grid-column-two-thirds">
        <ErrorSummary errors={error ? [{ href: `#${error.field}`, text: t(error.key) }] : []} />
        <form onSubmit={onSubmit} noValidate>
          <Checkboxes id="channels" legend={t("contact.title")} hint={t("contact.hint")} isPageHeading values={channels}
            error={error ? t(error.key) : undefined} onChange={setChannels}
            items={CHANNELS.map((c) => ({ value: c, text: t(`contact.channel.${c}`) }))} />
          <Radios id="welsh" legend={t("contact.welsh")} inline value={welsh} onChange={setWelsh}
            items={[{ value: "yes", text: t("common.yes") }, { value: "no", text: t("common.no") }]} />
          <button type="submit" className="govuk-button" data-module="govuk-button">{t("contact.button")}</button>
        </form>
      </div></div>
    </>
  );
}
