package io.chatchat.operator.reconciler;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * A map that cannot change and keeps its entries in their order, in one array of keys and values:
 * about 50 bytes for a map of one entry where a {@link java.util.LinkedHashMap} takes about 180. A
 * cached object's labels, annotations, selectors and resource quantities are such small maps, a few
 * hundred per cluster. Lookups scan the array, which for these sizes is as quick as hashing.
 */
final class FrozenMap<K, V> extends AbstractMap<K, V> {
  private final Object[] keysAndValues;

  private FrozenMap(Object[] keysAndValues) {
    this.keysAndValues = keysAndValues;
  }

  /** Keys at even and their values at odd indexes; the array becomes the map's own. */
  static <K, V> Map<K, V> ofKeysAndValues(Object[] keysAndValues) {
    return new FrozenMap<>(keysAndValues);
  }

  /** The same entries in the same order, frozen. */
  static <K, V> Map<K, V> of(Map<K, V> entries) {
    Object[] kv = new Object[entries.size() * 2];
    int i = 0;
    for (Map.Entry<K, V> e : entries.entrySet()) {
      kv[i++] = e.getKey();
      kv[i++] = e.getValue();
    }
    return new FrozenMap<>(kv);
  }

  @Override
  public int size() {
    return keysAndValues.length / 2;
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  @SuppressWarnings("unchecked")
  public V get(Object key) {
    int i = indexOf(key);
    return i < 0 ? null : (V) keysAndValues[i + 1];
  }

  private int indexOf(Object key) {
    for (int i = 0; i < keysAndValues.length; i += 2) {
      if (Objects.equals(keysAndValues[i], key)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public Set<Map.Entry<K, V>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public int size() {
        return FrozenMap.this.size();
      }

      @Override
      public Iterator<Map.Entry<K, V>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < keysAndValues.length;
          }

          @Override
          @SuppressWarnings("unchecked")
          public Map.Entry<K, V> next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            int i = next;
            next += 2;
            return new SimpleImmutableEntry<>((K) keysAndValues[i], (V) keysAndValues[i + 1]);
          }
        };
      }
    };
  }
}
