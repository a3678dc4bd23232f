// The whole page when the access token is missing or refused: nothing else can work without it.
export function TokenPage (): React.JSX.Element {
  return (
    <main className='token-page'>
      <h1>Mutual Cloud</h1>
      <p>This page needs its access token: run <code>mcloud ui-url</code> and open the URL it prints.</p>
    </main>
  )
}
