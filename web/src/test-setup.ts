import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// Testing Library unmounts after each test by itself only when test globals are on; they are not.
afterEach(() => cleanup());
// `findBy...` waits for a condition; a lazily loaded page can take more than the default 1 s to arrive
// on a loaded machine. This only bounds the wait.
configure({ asyncUtilTimeout: 10000 });
