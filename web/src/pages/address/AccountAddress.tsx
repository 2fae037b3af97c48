// "Change your address" from the account page: the address finder, and the chosen address kept on the
// citizen's record at the citizen service (its UPRN, sent with the record's ETag as If-Match, so a
// change made meanwhile elsewhere is never overwritten). An address typed by hand has no UPRN: the
// record cannot hold it, so it is kept in this tab for the claim, which asks for it.
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { api } from "../../api";
import { InsetText } from "../../components/govuk";
import { useSession } from "../../session";
import type { Address } from "./address";
import { AddressFinder } from "./AddressFinder";

export const TYPED_ADDRESS = "dwp-typed-address";

export default function AccountAddress() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const session = useSession();
  if (session === null) return <p className="govuk-body">{t("common.loading")}</p>;
  const citizenId = session.signed_in && session.kind === "citizen" ? session.subject_id : null;
  if (!citizenId) {
    return (
      <>
        <h1 className="govuk-heading-l">{t("account.notSignedIn")}</h1>
        <a href="/auth/sign-in" role="button" draggable="false" className="govuk-button" data-module="govuk-button">
          {t("start.signInButton")}
        </a>
      </>
    );
  }

  async function use(address: Address) {
    if (!address.uprn) {
      sessionStorage.setItem(TYPED_ADDRESS, JSON.stringify(address));
      navigate("/account?updated=typed-address");
      return;
    }
    const path = `/v1/citizens/${encodeURIComponent(citizenId!)}`;
    const { etag } = await api.read(path);
    await api.patch(path, { address_reference: address.uprn }, etag);
    navigate("/account?updated=address");
  }

  return (
    <AddressFinder base="/account/address" exitTo="/account" onUse={use}
      note={<InsetText>{t("address.confirm.accountNote")}</InsetText>} />
  );
}
