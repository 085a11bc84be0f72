// Saves each standard of a self-assessment as it is answered, so nothing typed is lost:
// a dropped connection or an expired session keeps the answer on this device until it can be saved.
const form = document.getElementById('assessment-form')
const DELAY_MS = 800

if (form) {
  const base = form.dataset.autosaveBase
  const csrf = form.querySelector('input[name="csrf_token"]').value
  const storeKey = (code) => `accredit:${base}${code}`
  const timers = {}
  const saving = {} // code -> true while a save is on its way, 'again' if the answer changed meanwhile

  const fields = (section) => Array.from(section.querySelectorAll('input, textarea, select'))
    .filter((el) => el.name && el.name !== 'csrf_token')

  const snapshot = (section) => {
    const data = {}
    for (const el of fields(section)) {
      if ((el.type === 'radio' || el.type === 'checkbox')) {
        if (el.checked) { (data[el.name] = data[el.name] || []).push(el.value) }
      } else {
        data[el.name] = [el.value]
      }
    }
    return data
  }

  const restore = (section, data) => {
    for (const el of fields(section)) {
      const values = data[el.name] || []
      if (el.type === 'radio' || el.type === 'checkbox') {
        el.checked = values.includes(el.value)
      } else if (el.type !== 'hidden' && values.length) {
        el.value = values[0]
      }
    }
  }

  const setStatus = (section, text) => { section.querySelector('[data-status]').textContent = text }

  const keepLocally = (section, message) => {
    localStorage.setItem(storeKey(section.dataset.code), JSON.stringify(snapshot(section)))
    setStatus(section, message)
  }

  // One save per standard at a time: a second one sent before the first answers would carry the version the
  // first replaces, and the server would take it for someone else's change.
  const save = async (section) => {
    const code = section.dataset.code
    if (saving[code]) {
      saving[code] = 'again'
      return
    }
    saving[code] = true
    try {
      await send(section)
    } finally {
      const again = saving[code] === 'again'
      saving[code] = false
      if (again) { save(section) }
    }
  }

  const send = async (section) => {
    const code = section.dataset.code
    const body = new FormData()
    body.append('csrf_token', csrf)
    for (const [name, values] of Object.entries(snapshot(section))) {
      for (const value of values) { body.append(name, value) }
    }
    setStatus(section, 'Saving…')
    let response
    try {
      response = await fetch(base + encodeURIComponent(code), {
        method: 'POST', body, credentials: 'same-origin',
        headers: { Accept: 'application/json', 'X-Requested-With': 'fetch' }
      })
    } catch (error) {
      keepLocally(section, 'Not saved yet: no connection. Your answer is kept on this device and will be saved when the connection returns.')
      return
    }
    if (response.status === 401 || response.status === 400) {
      keepLocally(section, 'Not saved yet: you have been signed out. Your answer is kept on this device; sign in again and it will be saved.')
      return
    }
    let result = null
    try {
      result = await response.json()
    } catch (error) {
      result = null
    }
    if (result === null) {
      keepLocally(section, 'Not saved yet: the server could not save it. Your answer is kept on this device and will be saved with your next change.')
      return
    }
    if (response.status === 409) {
      const theirs = result.error.details
      keepLocally(section, `Not saved: ${theirs.by || 'someone'} saved a different answer (${theirs.rating_label}: “${theirs.narrative}”). Save draft to keep yours.`)
      return
    }
    if (!response.ok) {
      setStatus(section, `Not saved: ${result.error ? result.error.message : 'something went wrong'}`)
      return
    }
    section.querySelector('input[type="hidden"][name$="-version"]').value = result.version
    localStorage.removeItem(storeKey(code))
    const at = new Date(result.saved_at || Date.now())
    setStatus(section, `Saved at ${at.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}`)
  }

  const schedule = (section) => {
    clearTimeout(timers[section.dataset.code])
    timers[section.dataset.code] = setTimeout(() => save(section), DELAY_MS)
  }

  // Whether a kept copy says what the page now shows (the version aside): then it has been saved already.
  const sameAnswer = (kept, shown) => {
    const names = new Set([...Object.keys(kept), ...Object.keys(shown)].filter((name) => !name.endsWith('-version')))
    return [...names].every((name) => JSON.stringify(kept[name] || []) === JSON.stringify(shown[name] || []))
  }

  for (const section of form.querySelectorAll('section[data-code]')) {
    section.addEventListener('change', () => schedule(section))
    section.addEventListener('input', () => schedule(section))
    const key = storeKey(section.dataset.code)
    const kept = localStorage.getItem(key)
    if (kept && sameAnswer(JSON.parse(kept), snapshot(section))) {
      localStorage.removeItem(key)
    } else if (kept) {
      restore(section, JSON.parse(kept))
      setStatus(section, 'Restored the answer you typed before; saving it now.')
      save(section)
    }
  }

  window.addEventListener('online', () => {
    for (const section of form.querySelectorAll('section[data-code]')) {
      if (localStorage.getItem(storeKey(section.dataset.code))) { save(section) }
    }
  })
  // A full "Save draft" keeps the device copies: if it fails (an expired session, a dropped connection) they
  // are all that is left; once it has saved them, the next page shows the same answers and they are dropped.
}
