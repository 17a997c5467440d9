/**
 * The few DOM APIs the dashboard uses, typed here. The root build compiles for Node (lib ES2023,
 * no DOM), and adding the DOM lib to it would let server code use `document` or `window`
 * unnoticed and change the timer types everywhere; so the browser modules reach the DOM only
 * through this facade, and the root tsc still checks every line of them.
 */
export type Child = DomElement | string;

export interface DomElement {
  textContent: string | null;
  className: string;
  readonly classList: { add(...c: string[]): void; remove(...c: string[]): void; toggle(c: string, force?: boolean): boolean; contains(c: string): boolean };
  append(...nodes: Child[]): void;
  replaceChildren(...nodes: Child[]): void;
  remove(): void;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  addEventListener(type: string, listener: (ev: DomEvent) => void): void;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}

export interface DomInput extends DomElement {
  value: string;
  checked: boolean;
  disabled: boolean;
  focus(): void;
}

export interface DomEvent {
  preventDefault(): void;
}

interface DomDocument {
  createElement(tag: string): DomElement;
  createElementNS(ns: string, tag: string): DomElement;
  getElementById(id: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}

interface DomWindow {
  location: { hash: string };
  sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void; removeItem(k: string): void };
  addEventListener(type: string, listener: () => void): void;
}

export const doc = (globalThis as unknown as { document: DomDocument }).document;
export const win = globalThis as unknown as DomWindow;
