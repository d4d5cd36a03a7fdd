import { Controller, Injectable, Logger, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { OnStreamChange, OnStreamJoin, OnStreamLeave, type StreamChangeFrame, StreamsModule, StreamsService } from 'nest-realtime-streams';
import { ON_STREAM_CHANGE_METADATA } from '../streams.constants';
import { waitFor } from '../../../../test/support/wait-for';

@Controller()
class ControllerWithHandler {
  readonly frames: StreamChangeFrame[] = [];

  @OnStreamChange({ stream_name: 'a' })
  @OnStreamChange({ stream_name: 'b' })
  onChange(frame: StreamChangeFrame): void {
    this.frames.push(frame);
  }
}

@Injectable()
class AliasedProvider {
  count = 0;

  @OnStreamChange({ stream_name: 'a' })
  onChange(): void {
    this.count++;
  }
}

@Injectable({ scope: Scope.REQUEST })
class RequestScoped {
  @OnStreamJoin()
  onJoin(): void {}
}

@Injectable()
class MissingStreamName {
  @OnStreamChange({} as never)
  onChange(): void {}
}

describe('StreamsExplorer (discovery at bootstrap)', () => {
  it('decorators only store metadata on the method, one entry per decorator', () => {
    expect(Reflect.getMetadata(ON_STREAM_CHANGE_METADATA, ControllerWithHandler.prototype.onChange)).toEqual([{ stream_name: 'b' }, { stream_name: 'a' }]);
    class Plain {
      @OnStreamJoin({ stream_name: 'x' })
      @OnStreamLeave()
      m(): void {}
    }
    expect(Object.keys(new Plain())).toEqual([]);
  });

  it('finds handlers on controllers and providers, once per instance even through a useExisting alias', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [StreamsModule.forRoot({ port: 0 })],
      controllers: [ControllerWithHandler],
      providers: [AliasedProvider, { provide: 'ALIAS', useExisting: AliasedProvider }],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const streams = app.get(StreamsService);
    await streams.set({ stream_name: 'a', group_id: 'g', item_id: 'i', data: 1 });
    await streams.send({ stream_name: 'b', group_id: 'g', type: 't', data: 2 });
    const controller = app.get(ControllerWithHandler);
    await waitFor(() => controller.frames.length === 2);
    expect(controller.frames.map((f) => f.streamName)).toEqual(['a', 'b']);
    await new Promise((r) => setTimeout(r, 20));
    expect(app.get(AliasedProvider).count).toBe(1);
    await app.close();
  });

  it('skips request-scoped providers with a warning naming Class.method', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({ imports: [StreamsModule.forRoot({ port: 0 })], providers: [RequestScoped] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    expect(warn.mock.calls.some(([m]) => String(m).includes('RequestScoped.onJoin'))).toBe(true);
    warn.mockRestore();
    await app.close();
  });

  it('an @OnStreamChange without stream_name fails bootstrap naming Class.method', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [StreamsModule.forRoot({ port: 0 })], providers: [MissingStreamName] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await expect(app.init()).rejects.toThrow('@OnStreamChange on MissingStreamName.onChange needs a non-empty stream_name');
    await app.close().catch(() => undefined);
  });
});
