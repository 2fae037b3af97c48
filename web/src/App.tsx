import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Route, Routes } from "react-router";
import { CitizenOnly } from "./components/CitizenOnly";
import { Layout } from "./components/Layout";
import Start from "./pages/Start";
import { BASE } from "./pages/estimate/journey";

// Each journey is its own chunk: the start page downloads only what it shows.
const Estimate = lazy(() => import("./pages/estimate/Estimate"));
const Account = lazy(() => import("./pages/Account"));
const AccountAddress = lazy(() => import("./pages/address/AccountAddress"));
const Claims = lazy(() => import("./pages/claim/Claim"));
// The caseworker pages: one chunk of their own (with their texts and styles), never a citizen page's.
const Casework = lazy(() => import("./pages/casework/Casework"));
const ContactPreferences = lazy(() => import("./pages/ContactPreferences"));
const info = () => import("./pages/Info");
const SignedOut = lazy(() => info().then((m) => ({ default: m.SignedOut })));
const CouldNotSignIn = lazy(() => info().then((m) => ({ default: m.CouldNotSignIn })));
const NotFound = lazy(() => info().then((m) => ({ default: m.NotFound })));
const Accessibility = lazy(() => info().then((m) => ({ default: m.Accessibility })));
const Privacy = lazy(() => info().then((m) => ({ default: m.Privacy })));
const Cookies = lazy(() => info().then((m) => ({ default: m.Cookies })));

export function App() {
  const { t } = useTranslation();
  return (
    <Layout>
      <Suspense fallback={<p className="govuk-body">{t("common.loading")}</p>}>
        <Routes>
          <Route path="/" element={<Start />} />
          <Route path={`${BASE}/*`} element={<Estimate />} />
          <Route path="/account" element={<Account />} />
          <Route path="/account/address/*" element={<CitizenOnly><AccountAddress /></CitizenOnly>} />
          <Route path="/apply/*" element={<CitizenOnly><Claims /></CitizenOnly>} />
          <Route path="/account/contact-preferences" element={<CitizenOnly><ContactPreferences /></CitizenOnly>} />
          <Route path="/casework/*" element={<Casework />} />
          <Route path="/signed-out" element={<SignedOut />} />
          <Route path="/could-not-sign-in" element={<CouldNotSignIn />} />
          <Route path="/accessibility-statement" element={<Accessibility />} />
          <Route path="/privacy" element={<Privacy />} />
          <Route path="/cookies" element={<Cookies />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Suspense>
    </Layout>
  );
}
