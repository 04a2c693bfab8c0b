/**
 * A map where several owners may claim one key and the latest claim wins until it is released.
 * Pod IPs are reused and watch events arrive in any order across objects, so the pod that last
 * claimed an IP must not lose it when an older holder of the same IP is deleted afterwards.
 */
export class ClaimMap<K, V> {
  private readonly claims = new Map<K, Array<{ owner: string; value: V }>>();

  claim(key: K, owner: string, value: V): void {
    const list = (this.claims.get(key) ?? []).filter((c) => c.owner !== owner);
    list.push({ owner, value });
    this.claims.set(key, list);
  }

  release(key: K, owner: string): void {
    const list = this.claims.get(key)?.filter((c) => c.owner !== owner);
    if (list === undefined || list.length === 0) {
      this.claims.delete(key);
    } else {
      this.claims.set(key, list);
    }
  }

  get(key: K): V | undefined {
    const list = this.claims.get(key);
    return list?.[list.length - 1].value;
  }
}
