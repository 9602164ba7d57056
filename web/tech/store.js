/* The local store in IndexedDB ("tech-app"): the queue of changes not sent yet and the last
 * good answer of each read, per technician (in memory when IndexedDB is not available). */

import { me } from './api.js';

// --- IndexedDB: the queue and the last good answers ---------------------------------------

var DB_NAME = 'tech-app';
var dbPromise = null;
var memoryStores = { queue: new Map(), saved: new Map() }; // when IndexedDB is not available
var memorySeq = 0;

function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise(function (resolve) {
      if (!window.indexedDB) { resolve(null); return; }
      var request;
      try { request = indexedDB.open(DB_NAME, 1); } catch (e) { resolve(null); return; }
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains('queue')) db.createObjectStore('queue', { keyPath: 'seq', autoIncrement: true });
        if (!db.objectStoreNames.contains('saved')) db.createObjectStore('saved', { keyPath: 'key' });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { resolve(null); };
      request.onblocked = function () { resolve(null); };
    });
  }
  return dbPromise;
}

function idb(storeName, mode, operation) {
  return openDb().then(function (db) {
    if (!db) return operation(null);
    return new Promise(function (resolve, reject) {
      var tx = db.transaction(storeName, mode);
      var result;
      var request = operation(tx.objectStore(storeName));
      if (request) request.onsuccess = function () { result = request.result; };
      tx.oncomplete = function () { resolve(result); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error); };
    });
  });
}

var store = {
  all: function (name) {
    return idb(name, 'readonly', function (s) { return s ? s.getAll() : null; }).then(function (rows) {
      return rows || Array.from(memoryStores[name].values());
    });
  },
  get: function (name, key) {
    return idb(name, 'readonly', function (s) { return s ? s.get(key) : null; }).then(function (row) {
      return row === undefined || row === null ? memoryStores[name].get(key) || null : row;
    });
  },
  put: function (name, value) {
    return idb(name, 'readwrite', function (s) {
      if (s) return s.put(value);
      if (name === 'queue' && value.seq === undefined) value.seq = ++memorySeq;
      memoryStores[name].set(name === 'queue' ? value.seq : value.key, value);
      return null;
    }).then(function (key) { return key === undefined || key === null ? (name === 'queue' ? value.seq : value.key) : key; });
  },
  del: function (name, key) {
    memoryStores[name].delete(key);
    return idb(name, 'readwrite', function (s) { return s ? s.delete(key) : null; });
  },
  clear: function (name) {
    memoryStores[name].clear();
    return idb(name, 'readwrite', function (s) { return s ? s.clear() : null; });
  },
};

/** The last good answer for `key`, kept for when there is no signal: {value, saved_at}. */
function keep(key, value) {
  return store.put('saved', { key: me() + ':' + key, value: value, saved_at: new Date().toISOString() }).catch(function () {});
}
function kept(key) {
  return store.get('saved', me() + ':' + key).catch(function () { return null; });
}

export { store, keep, kept };
