// The login lives in sessionStorage: it ends with the tab, and each tab can hold its own user.

export interface User {
  id: number;
  username: string;
  email: string;
  role: string;
}

const kTokenKey = 'blazeiot.token';
const kUserKey = 'blazeiot.user';

type ExpiryListener = (reason: string) => void;
const expiryListeners = new Set<ExpiryListener>();

export const session = {
  token(): string | null {
    return sessionStorage.getItem(kTokenKey);
  },
  user(): User | null {
    const raw = sessionStorage.getItem(kUserKey);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as User;
    } catch {
      return null;
    }
  },
  isAdmin(): boolean {
    return this.user()?.role === 'admin';
  },
  save(token: string, user: User): void {
    sessionStorage.setItem(kTokenKey, token);
    sessionStorage.setItem(kUserKey, JSON.stringify(user));
  },
  setUser(user: User): void {
    sessionStorage.setItem(kUserKey, JSON.stringify(user));
  },
  clear(): void {
    sessionStorage.removeItem(kTokenKey);
    sessionStorage.removeItem(kUserKey);
  },
  // The server refused the token (HTTP 401 or WebSocket close 1008): forget it and log in again.
  expire(reason: string): void {
    if (!this.token()) return;
    this.clear();
    for (const listener of expiryListeners) listener(reason);
  },
  onExpire(listener: ExpiryListener): () => void {
    expiryListeners.add(listener);
    return () => expiryListeners.delete(listener);
  },
};
