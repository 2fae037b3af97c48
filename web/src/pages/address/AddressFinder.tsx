// The address finder (the GOV.UK address pattern, as services built on it ask): a postcode and,
// optionally, the building; then the address chosen from the postcode's list; or the address typed by
// hand in lines. Every lookup and check is the address service's, through the BFF; its problems land on
// the field they name, in our words and the page's language. The host page decides what "use this
// address" does (the account keeps it on the citizen's record; a claim keeps it in its answers).
import { type FormEvent, type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, Route, Routes, useNavigate } from "react-router";
import { api, ProblemError } from "../../api";
import { BackLink, Button, type ErrorItem, ErrorSummary, Fieldset, Select, SummaryList, TextInput } from "../../components/govuk";
import { usePage } from "../../components/Layout";
import {
  type Address,
  type AddressCheck,
  type AddressList,
  checkTyped,
  emptyTyped,
  landProblems,
  narrow,
  oneLine,
  type Problem,
  type Typed,
  type TypedField,
  typedParts,
} from "./address";

const STORE = "dwp-address-finder";
type State = { postcode: string; building: string; found: Address[]; chosen: Address | null; typed: Typed };
const empty: State = { postcode: "", building: "", found: [], chosen: null, typed: emptyTyped };

function load(): State {
  try {
    return { ...empty, ...JSON.parse(sessionStorage.getItem(STORE) ?? "{}") };
  } catch {
    return empty;
  }
}

export type FinderProps = {
  /** Where the finder's pages live, e.g. `/account/address`. */
  base: string;
  /** Where "back" from the first page goes. */
  exitTo: string;
  /** What choosing the address does; a rejection is shown as the service being unavailable. */
  onUse: (address: Address) => Promise<void>;
  /** Said on the confirm page about what happens to the address. */
  note?: ReactNode;
};

export function AddressFinder(props: FinderProps) {
  const [state, setState] = useState<State>(load);
  const save = (changes: Partial<State>) =>
    setState((current) => {
      const next = { ...current, ...changes };
      sessionStorage.setItem(STORE, JSON.stringify(next));
      return next;
    });
  const shared = { ...props, state, save };
  return (
    <Routes>
      <Route index element={<Find {...shared} />} />
      <Route path="select" element={<Choose {...shared} />} />
      <Route path="manual" element={<Manual {...shared} />} />
      <Route path="confirm" element={<Confirm {...shared} />} />
    </Routes>
  );
}

type PageProps = FinderProps & { state: State; save: (changes: Partial<State>) => void };

function useErrors<F extends string>() {
  const { t } = useTranslation();
  const [problems, setProblems] = useState<Partial<Record<F, Problem>>>({});
  const text = (field: F) => {
    const p = problems[field];
    return p ? t(p.key, p.values) : undefined;
  };
  const summary = (order: F[]): ErrorItem[] =>
    order.filter((f) => problems[f]).map((f) => ({ href: `#${f}`, text: text(f) ?? "" }));
  return { problems, setProblems, text, summary };
}

function Find({ base, exitTo, state, save }: PageProps) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [postcode, setPostcode] = useState(state.postcode);
  const [building, setBuilding] = useState(state.building);
  const { setProblems, text, summary } = useErrors<"postcode">();
  const [busy, setBusy] = useState(false);
  const errors = summary(["postcode"]);
  usePage(t("address.find.title"), errors.length > 0);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (!postcode.trim()) return setProblems({ postcode: { key: "address.errors.postcodeMissing" } });
    setBusy(true);
    try {
      const list = await api.get<AddressList>(`/v1/addresses?postcode=${encodeURIComponent(postcode.trim())}`);
      if (!list.claimable) return setProblems({ postcode: { key: "address.errors.notClaimable" } });
      if (!list.addresses.length) return setProblems({ postcode: { key: "address.errors.noAddresses" } });
      setProblems({});
      save({ postcode: list.postcode, building, found: narrow(list.addresses, building), chosen: null });
      navigate(`${base}/select`);
    } catch (e) {
      const invalid = e instanceof ProblemError && e.problem.status === 422;
      setProblems({ postcode: { key: invalid ? "address.errors.postcodeInvalid" : "address.errors.unavailable" } });
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <BackLink to={exitTo} />
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{t("address.find.title")}</h1>
          <form onSubmit={onSubmit} noValidate>
            <TextInput id="postcode" label={t("address.find.postcode")} error={text("postcode")} value={postcode}
              onChange={setPostcode} widthClass="govuk-input--width-10" autoComplete="postal-code" spellCheck={false} />
            <TextInput id="building" label={t("address.find.building")} hint={t("address.find.buildingHint")} value={building}
              onChange={setBuilding} widthClass="govuk-!-width-two-thirds" />
            <Button>{t("address.find.button")}</Button>
          </form>
          <p className="govuk-body">
            <Link className="govuk-link" to={`${base}/manual`} id="manual-link">{t("address.find.manual")}</Link>
          </p>
        </div>
      </div>
    </>
  );
}

function Choose({ base, state, save }: PageProps) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [uprn, setUprn] = useState(state.chosen?.uprn ?? "");
  const { setProblems, text, summary } = useErrors<"address">();
  const errors = summary(["address"]);
  usePage(t("address.select.title"), errors.length > 0);
  if (!state.found.length) return <Navigate to={base} replace />;

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const chosen = state.found.find((a) => a.uprn === uprn);
    if (!chosen) return setProblems({ address: { key: "address.errors.select" } });
    save({ chosen });
    navigate(`${base}/confirm`);
  }

  const count = t("address.select.found", { count: state.found.length });
  return (
    <>
      <BackLink to={base} />
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <form onSubmit={onSubmit} noValidate>
            <Select id="address" label={t("address.select.title")} isPageHeading error={text("address")} value={uprn}
              hint={t("address.select.hint", { postcode: state.postcode })} onChange={setUprn}
              items={[{ value: "", text: count }, ...state.found.map((a) => ({ value: a.uprn ?? "", text: oneLine(a) }))]} />
            <p className="govuk-body">
              <Link className="govuk-link" to={base}>
                {t("address.select.changePostcode")}
              </Link>
            </p>
            <p className="govuk-body">
              <Link className="govuk-link" to={`${base}/manual`}>{t("address.select.notListed")}</Link>
            </p>
            <Button>{t("common.continue")}</Button>
          </form>
        </div>
      </div>
    </>
  );
}

const TYPED_ORDER: TypedField[] = ["line1", "line2", "town", "postcode"];

function Manual({ base, state, save }: PageProps) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [typed, setTyped] = useState<Typed>({ ...state.typed, postcode: state.typed.postcode || state.postcode });
  const { setProblems, text, summary } = useErrors<TypedField>();
  const [busy, setBusy] = useState(false);
  const errors = summary(TYPED_ORDER);
  usePage(t("address.manual.title"), errors.length > 0);
  const field = (id: TypedField) => ({ id, value: typed[id], error: text(id), onChange: (v: string) => setTyped({ ...typed, [id]: v }) });

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const missing = checkTyped(typed);
    setProblems(missing);
    if (Object.keys(missing).length) return;
    const { parts, from } = typedParts(typed);
    setBusy(true);
    try {
      const checked = await api.post<AddressCheck>("/v1/addresses/validate", parts);
      if (!checked.claimable) return setProblems({ postcode: { key: "address.errors.notClaimable" } });
      save({ typed, chosen: checked.address });
      navigate(`${base}/confirm`);
    } catch (e) {
      if (e instanceof ProblemError && e.problem.status === 422 && e.problem.errors?.length) {
        const landed = landProblems(e.problem.errors, from);
        setProblems(Object.keys(landed).length ? landed : { line1: { key: "address.errors.line1Missing" } });
      } else {
        setProblems({ line1: { key: "errors.unavailable" } });
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <BackLink to={base} />
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <form onSubmit={onSubmit} noValidate>
            <Fieldset legend={t("address.manual.title")} isPageHeading>
              <TextInput {...field("line1")} label={t("address.manual.line1")} autoComplete="address-line1" />
              <TextInput {...field("line2")} label={t("address.manual.line2")} autoComplete="address-line2" />
              <TextInput {...field("town")} label={t("address.manual.town")} autoComplete="address-level2" widthClass="govuk-!-width-two-thirds" />
              <TextInput {...field("postcode")} label={t("address.manual.postcode")} autoComplete="postal-code" widthClass="govuk-input--width-10" spellCheck={false} />
            </Fieldset>
            <Button>{t("common.continue")}</Button>
          </form>
        </div>
      </div>
    </>
  );
}

function Confirm({ base, state, onUse, note }: PageProps) {
  const { t } = useTranslation();
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState(false);
  const errors: ErrorItem[] = failed ? [{ href: "#use-address", text: t("errors.unavailable") }] : [];
  usePage(t("address.confirm.title"), failed);
  const chosen = state.chosen;
  if (!chosen) return <Navigate to={base} replace />;

  async function use(event: FormEvent) {
    event.preventDefault();
    if (busy || !chosen) return;
    setBusy(true);
    try {
      await onUse(chosen);
      sessionStorage.removeItem(STORE);
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <BackLink to={chosen.uprn ? `${base}/select` : `${base}/manual`} />
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{t("address.confirm.title")}</h1>
          <SummaryList
            rows={[{
              key: t("address.confirm.address"),
              value: <>{chosen.lines.map((line) => <span key={line}>{line}<br /></span>)}</>,
              change: { to: base, hidden: t("address.confirm.address").toLowerCase() },
            }]}
          />
          {note}
          <form onSubmit={use} noValidate>
            <button type="submit" id="use-address" className="govuk-button" data-module="govuk-button">
              {t("address.confirm.button")}
            </button>
          </form>
        </div>
      </div>
    </>
  );
}
