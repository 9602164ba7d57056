/* Kinds of work on the process map's screens: each kind (estimate, installation, repair...) has
 * its own versioned map. The kind shown is the hash's `?kind=` (default the legacy kind
 * `installation`, whose map is the single map of a business from before kinds), carried to the
 * API (`GET /workflow?kind=`...) and to every link between the map, the editor and the versions. */

import { api } from '../api.js';
import { el } from '../dom.js';

const LEGACY_KIND = 'installation';

/** The kind the route names (`?kind=`), else the legacy kind. */
const kindOf = (query) => (query && query.get('kind')) || LEGACY_KIND;

/** `path` with `params` and the kind as a query (the legacy kind is left out: it is the default). */
function withKind(path, kind, params = {}) {
  const query = new URLSearchParams();
  if (kind && kind !== LEGACY_KIND) query.set('kind', kind);
  Object.entries(params).forEach(([name, value]) => { if (value !== null && value !== undefined) query.set(name, String(value)); });
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** GET /workflow/kinds: the kinds, in order (an empty list when it cannot be read). */
async function loadKinds() {
  try {
    const { data } = await api('/workflow/kinds');
    return data.kinds || [];
  } catch (error) {
    return [];
  }
}

const labelOfKind = (kinds, key) => {
  const found = kinds.find((k) => k.key === key);
  return found ? found.label : key;
};

/** Another kind chosen: the same screen (`''`, `/edit`, `/versions`) of that kind's map. */
const chooseKind = (ctx, screen) => (key) => ctx.go(withKind(`#/process${screen}`, key));

/** A labelled select of the kinds; choosing one calls onChoose(key). */
function kindPicker(kinds, current, onChoose, id = 'of-process-kind') {
  const known = kinds.some((k) => k.key === current) ? kinds : [...kinds, { key: current, label: current, current_version: null }];
  const select = el('select', { class: 'of-select', id, onchange: (e) => onChoose(e.target.value) },
    known.map((k) => el('option', { value: k.key, selected: k.key === current },
      k.current_version ? `${k.label} (version ${k.current_version})` : `${k.label} (no map yet)`)));
  return el('div', { class: 'of-field of-process-kind' }, el('label', { class: 'of-label', for: id }, 'Kind of work'), select);
}

export { LEGACY_KIND, kindOf, withKind, loadKinds, labelOfKind, kindPicker, chooseKind };
