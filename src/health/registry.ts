import type { CapabilityContext } from '../capability.js';

/** SKELETON (to be implemented): the health-check registry behind `monitor.health`. */
export class HealthRegistry {
  constructor(private readonly ctx: CapabilityContext) {
    void this.ctx;
  }
}
