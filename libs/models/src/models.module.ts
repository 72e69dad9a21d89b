import { Module, type DynamicModule } from '@nestjs/common';
import { ModelRouter, type ModelRouterOptions } from './routing/model-router';

/** Provides the ModelRouter, configured from the environment unless options are given. */
@Module({
  providers: [{ provide: ModelRouter, useFactory: () => new ModelRouter() }],
  exports: [ModelRouter],
})
export class ModelsModule {
  static forRoot(options: ModelRouterOptions): DynamicModule {
    return {
      module: ModelsModule,
      providers: [{ provide: ModelRouter, useValue: new ModelRouter(options) }],
      exports: [ModelRouter],
    };
  }
}
