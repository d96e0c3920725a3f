/**
 * Coalesces calls that arrive together into one request: OpenTofu applies resources in parallel
 * (10 at a time by default), and each topic create, config change or delete arriving within
 * `windowMs` of the first waiting one joins the same batched admin request; calls arriving while
 * a request of this kind is in flight wait for it and go together in the next one.
 */
export class Batcher<In, Out> {
  private queue: { item: In; resolve: (o: Out) => void; reject: (e: unknown) => void }[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight = false;

  /**
   * @param run sends one request for the items and returns an answer per item, in order (an
   *   Error in that place rejects that item's call only); a rejection fails every call of the batch.
   */
  constructor(
    private readonly run: (items: In[]) => Promise<(Out | Error)[]>,
    private readonly options: { readonly windowMs?: number; readonly maxItems?: number } = {},
  ) {}

  add(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.inFlight) return; // sent when the request in flight returns
      if (this.queue.length >= (this.options.maxItems ?? 1000)) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.windowMs ?? 5);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue.splice(0, this.options.maxItems ?? 1000);
    if (batch.length === 0) return;
    this.inFlight = true;
    this.run(batch.map((b) => b.item))
      .then(
        (outs) =>
          batch.forEach((b, i) => {
            const o = outs[i];
            if (o instanceof Error) b.reject(o);
            else b.resolve(o);
          }),
        (err: unknown) => batch.forEach((b) => b.reject(err)),
      )
      .finally(() => {
        this.inFlight = false;
        if (this.queue.length > 0) this.flush();
      });
  }
}
