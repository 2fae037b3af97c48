import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { I18nextProvider } from "react-i18next";
import { MemoryRouter } from "react-router";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { i18next, setupI18n } from "./i18n";
import { SessionProvider } from "./session";

beforeAll(async () => {
  await setupI18n("en");
});

afterEach(async () => {
  vi.unstubAllGlobals();
  document.cookie = "dwp_lang=; Max-Age=0; Path=/";
  await i18next.changeLanguage("en");
});

function renderApp(path = "/") {
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => new Response(JSON.stringify({ signed_in: false }), { headers: { "content-type": "application/json" } })),
  );
  return render(
    <I18nextProvider i18n={i18next}>
      <MemoryRouter initialEntries={[path]}>
        <SessionProvider>
          <App />
        </SessionProvider>
      </MemoryRouter>
    </I18nextProvider>,
  );
}

describe("the app", () => {
  it("gives each page its title and moves focus to the heading after a navigation", async () => {
    renderApp();
    expect(await screen.findByRole("heading", { level: 1, name: "Check what you could get" })).toBeInTheDocument();
    expect(document.title).toBe("Check what you could get – GOV.UK");
    await userEvent.click(screen.getByRole("button", { name: "Start now" }));
    const heading = await screen.findByRole("heading", { level: 1, name: "What is your date of birth?" });
    // Focus moves in an effect after the page has rendered: wait for it (a loaded machine is slower).
    await waitFor(() => expect(heading).toHaveFocus());
    expect(document.title).toBe("What is your date of birth? – Check what you could get – GOV.UK");
  });

  it("shows the error summary and prefixes the title with Error when an answer is missing", async () => {
    renderApp("/check-what-you-could-get/partner");
    await screen.findByRole("heading", { level: 1, name: "Do you live with a partner?" });
    await userEvent.click(screen.getByRole("button", { name: "Continue" }));
    expect(screen.getByRole("link", { name: "Select yes if you live with a partner" })).toHaveAttribute("href", "#partner");
    expect(document.title.startsWith("Error: ")).toBe(true);
    expect(screen.getByText("There is a problem").closest(".govuk-error-summary")).toHaveFocus();
  });

  it("switches to Welsh and remembers the choice in a cookie", async () => {
    renderApp();
    await screen.findByRole("heading", { level: 1, name: "Check what you could get" });
    await userEvent.click(screen.getByRole("link", { name: "Cymraeg" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Gwirio beth allech ei gael" })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe("cy");
    expect(document.cookie).toContain("dwp_lang=cy");
    expect(screen.getByText("English").closest("a")).not.toBeNull();
  });

  it("offers sign-in as a plain link to the BFF (a full-page redirect, no script involved)", async () => {
    renderApp();
    await screen.findByRole("heading", { level: 1 });
    expect(screen.getByRole("link", { name: "Sign in" })).toHaveAttribute("href", "/auth/sign-in");
  });
});
