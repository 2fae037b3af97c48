import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { App } from "./App";
import { setupI18n } from "./i18n";
import { SessionProvider } from "./session";
import "./styles.scss";

// What govuk-frontend's template does with an inline script, which our CSP refuses: mark the page as
// having JavaScript, so components style themselves for it.
document.body.classList.add("js-enabled", "govuk-frontend-supported");

void setupI18n().then(() => {
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <BrowserRouter>
        <SessionProvider>
          <App />
        </SessionProvider>
      </BrowserRouter>
    </StrictMode>,
  );
});
