// What every page gets from the application shell.
import type { LiveConnection } from './live';
import type { User } from './session';

export type Tone = 'ok' | 'error' | 'info';

export interface AppContext {
  user: User;
  isAdmin: boolean;
  live: LiveConnection;
  navigate(hash: string): void;
  toast(message: string, tone?: Tone): void;
}

export interface Page {
  el: HTMLElement;
  title: string;
  destroy?(): void;
}

export type PageFactory = (ctx: AppContext, params: Record<string, string>, query: URLSearchParams) => Page;
