import { describe, expect, it } from 'vitest'
import { imageAllowed, imageMatches, imagePatternProblem } from './image-pattern.js'

describe('image allow-list matching', () => {
  it('an empty list allows every image; a list allows only what it names', () => {
    expect(imageAllowed('docker.io/evil:latest', [])).toBe(true)
    expect(imageAllowed('docker.io/evil:latest', ['mcloud-test/*', 'python:3.*'])).toBe(false)
    expect(imageAllowed('mcloud-test/busybox', ['mcloud-test/*', 'python:3.*'])).toBe(true)
    expect(imageAllowed('python:3.12-slim', ['mcloud-test/*', 'python:3.*'])).toBe(true)
  })

  it('reads images the way Docker does, so another spelling of the same image matches', () => {
    for (const image of ['busybox', 'library/busybox', 'docker.io/busybox', 'docker.io/library/busybox:latest', 'index.docker.io/library/busybox']) {
      expect(imageMatches(image, 'busybox'), image).toBe(true)
    }
    expect(imageMatches('docker.io/mcloud-test/busybox:1.0', 'mcloud-test/*')).toBe(true)
    // a look-alike namespace or another registry is not the allowed one
    expect(imageMatches('mcloud-test-evil/busybox', 'mcloud-test/*')).toBe(false)
    expect(imageMatches('ghcr.io/mcloud-test/busybox', 'mcloud-test/*')).toBe(false)
    expect(imageMatches('localhost:5000/mcloud-test/busybox', 'mcloud-test/*')).toBe(false)
  })

  it('* stays within one path part, ** crosses parts; "*" alone allows everything', () => {
    expect(imageMatches('ghcr.io/acme/tools/lint', 'ghcr.io/acme/*')).toBe(false)
    expect(imageMatches('ghcr.io/acme/tools/lint', 'ghcr.io/acme/**')).toBe(true)
    expect(imageMatches('ghcr.io/acme/busybox', '**/busybox')).toBe(true)
    expect(imageMatches('busybox', '**/busybox')).toBe(true)
    expect(imageMatches('quay.io/x/y:z', '*')).toBe(true)
    expect(imageMatches('registry.example.com:5000/team/app:2', 'registry.example.com:5000/team/*')).toBe(true)
  })

  it('a pattern without a tag allows every tag and digest; with one, only matching tags', () => {
    expect(imageMatches('python:3.12', 'python')).toBe(true)
    expect(imageMatches('python@sha256:abcd', 'python')).toBe(true)
    expect(imageMatches('python:3.12', 'python:3.*')).toBe(true)
    expect(imageMatches('python:2.7', 'python:3.*')).toBe(false)
    // no tag is Docker's :latest, which "3.*" does not allow
    expect(imageMatches('python', 'python:3.*')).toBe(false)
    expect(imageMatches('python', 'python:latest')).toBe(true)
    expect(imageMatches('python@sha256:abcd', 'python:3.*')).toBe(false)
    expect(imageMatches('python@sha256:abcd', 'python@sha256:abcd')).toBe(true)
    expect(imageMatches('python@sha256:ffff', 'python@sha256:abcd')).toBe(false)
  })

  it('regex characters in a pattern are literal', () => {
    expect(imageMatches('pythonX3', 'python.3')).toBe(false)
    expect(imageMatches('python:3x12', 'python:3.*')).toBe(false)
  })
})

describe('image pattern checks', () => {
  it('accepts reference-like patterns', () => {
    for (const p of ['mcloud-test/*', 'python:3.*', '**/busybox', 'localhost:5000/app', 'app@sha256:*', '*']) expect(imagePatternProblem(p), p).toBeUndefined()
  })

  it('says what is wrong with a bad one', () => {
    expect(imagePatternProblem('')).toBe('is empty')
    expect(imagePatternProblem('python 3')).toMatch(/no spaces/)
    expect(imagePatternProblem('acme//app')).toMatch(/empty path part/)
    expect(imagePatternProblem('/app')).toMatch(/empty path part/)
    expect(imagePatternProblem('a@b@c')).toMatch(/more than one @/)
    expect(imagePatternProblem('python:')).toMatch(/no tag or digest/)
    expect(imagePatternProblem('a'.repeat(257))).toMatch(/longer than 256/)
    expect(imagePatternProblem('a/***')).toMatch(/\*\*\*/)
  })
})
