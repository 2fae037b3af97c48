import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from "react";
import { auth, type Session } from "./api";

type SessionState = { session: Session | null; refresh: () => Promise<void> };
const SessionContext = createContext<SessionState>({ session: null, refresh: async () => {} });

/** Who is signed in, as the BFF tells it (never a token: the SPA cannot see one). */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const refresh = useCallback(async () => {
    try {
      setSession(await auth.session());
    } catch {
      setSession({ signed_in: false });
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return <SessionContext.Provider value={{ session, refresh }}>{children}</SessionContext.Provider>;
}

export function useSession(): Session | null {
  return useContext(SessionContext).session;
}

export function useRefreshSession(): () => Promise<void> {
  return useContext(SessionContext).refresh;
}
