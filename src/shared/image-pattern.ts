// The provider's image allow-list: which container images a peer's owner lets run on their
// computer. Patterns are glob-like image references ("mcloud-test/*", "python:3.*"). Both the
// pattern and the task's image are read the way Docker reads a reference, so "busybox",
// "library/busybox" and "docker.io/library/busybox:latest" are one image, and an allow-list
// cannot be slipped past by spelling the same image another way.

/** Longest pattern accepted (Docker's own references are at most 255 characters). */
export const MAX_IMAGE_PATTERN_LENGTH = 256
/** Most patterns in one allow-list: it is checked per candidate task, several times a second. */
export const MAX_IMAGE_PATTERNS = 64

const PATTERN_CHARS = /^[A-Za-z0-9._\-/:@*]+$/

/** Why `pattern` is not an image pattern (plain words, without the field name), or undefined. */
export function imagePatternProblem (pattern: string): string | undefined {
  if (pattern === '') return 'is empty'
  if (pattern.length > MAX_IMAGE_PATTERN_LENGTH) return `is longer than ${MAX_IMAGE_PATTERN_LENGTH} characters`
  if (!PATTERN_CHARS.test(pattern)) return 'may hold only letters, digits, . _ - / : @ and * (no spaces)'
  if (pattern.startsWith('/') || pattern.endsWith('/') || pattern.includes('//')) return 'has an empty path part (a leading, trailing or double /)'
  if (pattern.split('@').length > 2) return 'has more than one @'
  if (pattern.endsWith(':') || pattern.endsWith('@')) return 'ends with : or @ but gives no tag or digest'
  if (pattern.includes('***')) return 'has *** (use * within one path part, ** across parts)'
  return undefined
}

interface Reference {
  /** Registry + path, e.g. "docker.io/library/busybox". */
  name: string
  tag: string | undefined
  digest: string | undefined
}

/**
 * Splits a reference the way Docker does: "@digest" last, ":tag" after the last "/", and a first
 * part that names a registry only when it has a "." or ":" or is "localhost" (else Docker Hub).
 * In a pattern, a first part "**" stands for any registry.
 */
function parseReference (ref: string): Reference {
  let rest = ref
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) { digest = rest.slice(at + 1); rest = rest.slice(0, at) }
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) { tag = rest.slice(colon + 1); rest = rest.slice(0, colon) }
  const parts = rest.split('/')
  const first = parts[0]!
  const registry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first === '**')
  if (!registry) parts.unshift('docker.io')
  else if (first === 'index.docker.io') parts[0] = 'docker.io'
  // Docker Hub's official images live under "library/".
  if (parts[0] === 'docker.io' && parts.length === 2) parts.splice(1, 0, 'library')
  return { name: parts.join('/'), tag, digest }
}

/** "*" matches within one path part, "**" across parts; everything else is literal. */
function globRegex (glob: string): RegExp {
  const body = glob.split('**').map(piece => piece.split('*').map(escapeRegex).join('[^/]*')).join('.*')
  return new RegExp(`^${body}$`)
}

const escapeRegex = (text: string): string => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&')

/**
 * Whether `image` (a task's image reference) matches `pattern`. A pattern without a tag or digest
 * allows every tag and digest of the images it names ("python" allows "python:3.12"); the pattern
 * "*" (or "**") alone allows every image.
 */
export function imageMatches (image: string, pattern: string): boolean {
  return matcherOf(pattern)(image)
}

type Matcher = (image: string) => boolean

/** Compiled patterns: the scheduler asks for every waiting task several times a second. */
const matchers = new Map<string, Matcher>()
const MAX_CACHED_MATCHERS = 256

function matcherOf (pattern: string): Matcher {
  let matcher = matchers.get(pattern)
  if (matcher !== undefined) return matcher
  matcher = compile(pattern)
  if (matchers.size >= MAX_CACHED_MATCHERS) matchers.clear()
  matchers.set(pattern, matcher)
  return matcher
}

function compile (pattern: string): Matcher {
  if (pattern === '*' || pattern === '**') return () => true
  const want = parseReference(pattern)
  const name = globRegex(want.name)
  const tag = want.tag === undefined ? undefined : globRegex(want.tag)
  const digest = want.digest === undefined ? undefined : globRegex(want.digest)
  return (image) => {
    const have = parseReference(image)
    if (!name.test(have.name)) return false
    // An image given without tag or digest is Docker's ":latest".
    const haveTag = have.tag ?? (have.digest === undefined ? 'latest' : undefined)
    if (tag !== undefined && (haveTag === undefined || !tag.test(haveTag))) return false
    if (digest !== undefined && (have.digest === undefined || !digest.test(have.digest))) return false
    return true
  }
}

/** Whether an allow-list lets `image` run; an empty list allows every image (the default). */
export function imageAllowed (image: string, patterns: readonly string[]): boolean {
  return patterns.length === 0 || patterns.some(p => imageMatches(image, p))
}
