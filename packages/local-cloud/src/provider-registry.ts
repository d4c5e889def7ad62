import type { IgnoredType } from './cloudformation/ignored-types.ts';
import type { ResourceProvider } from './cloudformation/types.ts';
import type { EmulatorName } from './emulators/local-emulators.ts';
import type { ProviderContext, ServicePlugin } from './service-plugin.ts';

/** Which plugin creates which resource type: the one place where the services meet. */
export class ProviderRegistry {
  private readonly byType = new Map<string, ServicePlugin>();
  readonly ignoredTypes: readonly IgnoredType[];
  readonly nativeCustomResources: ReadonlySet<string>;

  constructor(private readonly plugins: readonly ServicePlugin[]) {
    for (const plugin of plugins) {
      for (const type of [...(plugin.resourceTypes ?? []), ...(plugin.ignored ?? []).map((i) => i.type)]) {
        const other = this.byType.get(type);
        if (other) {
          throw new Error(
            `${type} is claimed by both the ${other.service} and the ${plugin.service} plugins`,
          );
        }
        this.byType.set(type, plugin);
      }
    }
    this.ignoredTypes = plugins.flatMap((plugin) => plugin.ignored ?? []);
    this.nativeCustomResources = new Set(
      plugins.flatMap((plugin) => (plugin.resourceTypes ?? []).filter((type) => type.startsWith('Custom::'))),
    );
  }

  /** The emulators that serve these resource types. */
  emulatorsFor(resourceTypes: Iterable<string>): Set<EmulatorName> {
    const needed = new Set<EmulatorName>();
    for (const type of resourceTypes) {
      const plugin = this.byType.get(type);
      if (plugin?.emulator && plugin.resourceTypes?.includes(type)) {
        needed.add(plugin.emulator);
      }
    }
    return needed;
  }

  /**
   * A provider for every resource type the plugins create, bound to one stack's context: those of services whose
   * emulator is not running are left out, as if unsupported (the emulators started are those the assembly needs).
   */
  providers(context: ProviderContext): Record<string, ResourceProvider> {
    const providers: Record<string, ResourceProvider> = {};
    for (const plugin of this.plugins) {
      if (!plugin.providers || (plugin.emulator && !context.emulators[plugin.emulator])) {
        continue;
      }
      const made = plugin.providers(context);
      const declared = [...(plugin.resourceTypes ?? [])].sort();
      if (JSON.stringify(Object.keys(made).sort()) !== JSON.stringify(declared)) {
        throw new Error(
          `The ${plugin.service} plugin made providers for other types than it declares (${declared})`,
        );
      }
      Object.assign(providers, made);
    }
    return providers;
  }
}
