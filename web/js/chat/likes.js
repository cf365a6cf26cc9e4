// Which messages you liked, remembered per session in localStorage (the stream carries only
// like counts, not who liked).

export class LikeMemory {
  constructor(storage, key) {
    this.storage = storage;
    this.key = key;
    this.ids = new Set();
    try {
      const saved = JSON.parse(storage?.getItem(key) ?? '[]');
      if (Array.isArray(saved)) for (const id of saved) this.ids.add(String(id));
    } catch {
      // ignore a damaged entry
    }
  }

  has(id) {
    return this.ids.has(id);
  }

  set(id, liked) {
    if (liked) this.ids.add(id);
    else this.ids.delete(id);
    try {
      this.storage?.setItem(this.key, JSON.stringify([...this.ids]));
    } catch {
      // storage unavailable: remembered for this page only
    }
  }
}
