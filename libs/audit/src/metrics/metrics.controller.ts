import { Controller, Get, Res } from '@nestjs/common';
import { Metrics } from './metrics';

/** Prometheus scrape endpoint, unauthenticated like /health: keep it on the internal network. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  async scrape(@Res() reply: any) {
    const body = await this.metrics.scrape();
    reply.header('Content-Type', this.metrics.registry.contentType).send(body);
  }
}
