// Shown while the peer does not answer; views underneath keep their last data.
export function ConnectionBanner ({ onRetry }: { onRetry: () => void }): React.JSX.Element {
  return (
    <div className='banner'>
      {/* The alert holds only the sentence, so its text is exactly what people (and tests) read. */}
      <p role='alert' className='banner-text'>Cannot reach the peer — retrying…</p>
      <button type='button' className='btn btn-small' onClick={onRetry}>Reconnect now</button>
    </div>
  )
}
