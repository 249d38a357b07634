// A scrolling list that keeps only the rows in view in the DOM, so a thousand devices cost
// the same as twenty. Rows have one fixed height, read from the CSS variable --row-h so the
// phone layout can use taller rows. Positions are set through the CSSOM, which the CSP allows.

export class VirtualList<T> {
  readonly el: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly window: HTMLElement;
  private items: T[] = [];
  private rowHeight = 44;
  private frame = 0;
  private readonly resize: ResizeObserver;

  constructor(
    private readonly renderRow: (item: T, index: number) => HTMLElement,
    className: string,
    private readonly overscan = 8,
  ) {
    this.window = document.createElement('div');
    this.window.className = 'vlist-window';
    this.window.setAttribute('role', 'rowgroup');
    this.spacer = document.createElement('div');
    this.spacer.className = 'vlist-spacer';
    this.spacer.appendChild(this.window);
    this.el = document.createElement('div');
    this.el.className = `vlist ${className}`;
    this.el.tabIndex = 0;
    this.el.appendChild(this.spacer);
    this.el.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.resize = new ResizeObserver(() => {
      this.measure();
      this.schedule();
    });
    this.resize.observe(this.el);
  }

  setItems(items: T[]): void {
    this.items = items;
    this.spacer.style.height = `${items.length * this.rowHeight}px`;
    this.schedule();
  }

  // Re-render the rows in view (e.g. to advance "seen 5 s ago").
  refresh(): void {
    this.schedule();
  }

  destroy(): void {
    this.resize.disconnect();
    cancelAnimationFrame(this.frame);
  }

  private measure(): void {
    const css = getComputedStyle(this.el).getPropertyValue('--row-h');
    const h = Number.parseFloat(css);
    if (Number.isFinite(h) && h > 0 && h !== this.rowHeight) {
      this.rowHeight = h;
      this.spacer.style.height = `${this.items.length * this.rowHeight}px`;
    }
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  private paint(): void {
    const viewHeight = this.el.clientHeight || 600;
    const first = Math.max(0, Math.floor(this.el.scrollTop / this.rowHeight) - this.overscan);
    const last = Math.min(this.items.length, Math.ceil((this.el.scrollTop + viewHeight) / this.rowHeight) + this.overscan);
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const row = this.renderRow(this.items[i], i);
      row.setAttribute('aria-rowindex', String(i + 2));
      rows.push(row);
    }
    this.window.style.transform = `translateY(${first * this.rowHeight}px)`;
    this.window.replaceChildren(...rows);
  }
}
