import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { I18nextProvider } from "react-i18next";
import { MemoryRouter } from "react-router";
import { beforeAll, describe, expect, it } from "vitest";
import { i18next, setupI18n } from "../i18n";
import { DateInput, type DateValue, ErrorSummary, Radios, TextInput } from "./govuk";

beforeAll(async () => {
  await setupI18n("en");
});

function wrap(ui: React.ReactNode) {
  return render(
    <I18nextProvider i18n={i18next}>
      <MemoryRouter>{ui}</MemoryRouter>
    </I18nextProvider>,
  );
}

describe("ErrorSummary", () => {
  it("renders the Design System's markup, takes focus, and its links focus the field", async () => {
    wrap(
      <>
        <ErrorSummary errors={[{ href: "#rent", text: "Enter an amount in pounds" }]} />
        <input id="rent" />
      </>,
    );
    const summary = screen.getByText("There is a problem").closest(".govuk-error-summary");
    expect(summary).toHaveFocus();
    expect(screen.getByRole("alert")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("link", { name: "Enter an amount in pounds" }));
    expect(document.getElementById("rent")).toHaveFocus();
  });

  it("renders nothing without errors", () => {
    const { container } = wrap(<ErrorSummary errors={[]} />);
    expect(container.querySelector(".govuk-error-summary")).toBeNull();
  });
});

describe("TextInput", () => {
  it("links the hint and the error to the input and marks both as the Design System does", () => {
    wrap(<TextInput id="rent" label="How much rent?" hint="Monthly" error="Enter an amount" value="" onChange={() => {}} isPageHeading prefix="£" />);
    const input = screen.getByLabelText("How much rent?");
    expect(input).toHaveClass("govuk-input", "govuk-input--error");
    expect(input).toHaveAttribute("aria-describedby", "rent-hint rent-error");
    const message = document.getElementById("rent-error");
    expect(message).toHaveClass("govuk-error-message");
    expect(message).toHaveTextContent("Error: Enter an amount");
    expect(screen.getByText("Error:")).toHaveClass("govuk-visually-hidden");
    expect(input.closest(".govuk-form-group")).toHaveClass("govuk-form-group--error");
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("How much rent?");
  });
});

describe("DateInput", () => {
  it("has a day, month and year field in a fieldset whose legend is the page heading", async () => {
    function Harness() {
      const [value, setValue] = useState<DateValue>({ day: "", month: "", year: "" });
      return (
        <>
          <DateInput id="dob" legend="What is your date of birth?" value={value} onChange={setValue} isPageHeading birthDate />
          <output>{`${value.day}/${value.month}/${value.year}`}</output>
        </>
      );
    }
    wrap(<Harness />);
    expect(screen.getByRole("group", { name: "What is your date of birth?" })).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Day"), "14");
    await userEvent.type(screen.getByLabelText("Month"), "2");
    await userEvent.type(screen.getByLabelText("Year"), "1990");
    expect(screen.getByText("14/2/1990")).toBeInTheDocument();
    expect(screen.getByLabelText("Day")).toHaveAttribute("autocomplete", "bday-day");
    expect(screen.getByLabelText("Year")).toHaveAttribute("inputmode", "numeric");
  });
});

describe("Radios", () => {
  it("gives the first radio the group's id, so an error summary link lands on it", () => {
    wrap(
      <Radios id="partner" legend="Do you live with a partner?" value="" onChange={() => {}} error="Select yes"
        items={[{ value: "yes", text: "Yes" }, { value: "no", text: "No" }]} />,
    );
    expect(screen.getByLabelText("Yes")).toHaveAttribute("id", "partner");
    expect(screen.getByLabelText("No")).toHaveAttribute("id", "partner-2");
    expect(screen.getByRole("group")).toHaveAttribute("aria-describedby", "partner-error");
  });
});
