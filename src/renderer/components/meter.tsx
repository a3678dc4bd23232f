// A gauge: role="meter" with its value for assistive tech, a bar and the value in words.
export function Meter ({ label, value, max, text }: { label: string, value: number, max: number, text: string }): React.JSX.Element {
  const share = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0
  return (
    <div className='meter-block'>
      <div className='meter-head'>
        <span className='meter-label'>{label}</span>
        <span className='meter-text'>{text}</span>
      </div>
      <div
        role='meter'
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={value}
        aria-valuetext={text}
        className='meter'
      >
        <div className='meter-fill' style={{ width: `${share * 100}%` }} />
      </div>
    </div>
  )
}
