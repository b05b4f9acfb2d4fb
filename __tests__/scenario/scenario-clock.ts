/**
 * The scenario's clock: minutes pass only when the scenario lets them, so a canary's five minutes
 * and a one-minute alarm period cost no real time and every run sees the same order of events.
 *
 * Work in progress (a deployment running a hook, a caller's request) holds the clock; when nothing
 * holds it and something sleeps, the clock moves to the next minute boundary, runs the per-minute
 * listeners (callers' traffic, CloudWatch's alarm evaluation, CodeDeploy's alarm watch) and wakes
 * every sleeper whose time has come.
 */
export class ScenarioClock {
  /** A minute boundary, so periods line up with CloudWatch's. */
  private time = Date.UTC(2026, 11, 1, 9, 0, 0);
  private holds = 0;
  private advancing = false;
  private readonly sleepers: { until: number; wake: () => void }[] = [];
  private readonly listeners: ((now: number) => Promise<void> | void)[] = [];

  now(): number {
    return this.time;
  }

  /** Runs on every minute the clock passes, in registration order. */
  everyMinute(listener: (now: number) => Promise<void> | void): void {
    this.listeners.push(listener);
  }

  /** Marks work in progress until the returned function is called. */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.schedule();
    };
  }

  /** Resolves once `ms` of scenario time passed (a hold is given up while sleeping). */
  sleep(ms: number): Promise<void> {
    return new Promise((wake) => {
      this.sleepers.push({ until: this.time + ms, wake });
      this.schedule();
    });
  }

  /** Lets `minutes` pass now (the scenario waits, callers keep calling, alarms evaluate). */
  async pass(minutes: number): Promise<void> {
    for (let i = 0; i < minutes; i++) await this.tick();
  }

  private schedule(): void {
    setImmediate(() => void this.advance());
  }

  private async tick(): Promise<void> {
    this.time += 60_000;
    for (const listener of this.listeners) await listener(this.time);
    for (const sleeper of this.sleepers.filter((s) => s.until <= this.time)) {
      this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
      sleeper.wake();
    }
  }

  private async advance(): Promise<void> {
    if (this.advancing) return;
    this.advancing = true;
    try {
      while (this.holds === 0 && this.sleepers.length > 0) {
        const due = this.sleepers.filter((s) => s.until <= this.time);
        if (due.length) {
          for (const sleeper of due) {
            this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
            sleeper.wake();
          }
          // The woken work takes its holds before the clock moves on.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        await this.tick();
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.advancing = false;
    }
  }
}
