import { type JSX, splitProps } from 'solid-js'
import { linkClick } from '../lib/router.ts'

/** An anchor that navigates inside the panel (history API); still a real link for new tabs. */
export function Link(
  props: Omit<JSX.AnchorHTMLAttributes<HTMLAnchorElement>, 'onClick'> & {
    href: string
    onClick?: () => void
  },
) {
  const [local, rest] = splitProps(props, ['href', 'onClick', 'children'])
  return (
    <a
      {...rest}
      href={local.href}
      onClick={(e) => {
        local.onClick?.()
        linkClick(e)
      }}
    >
      {local.children}
    </a>
  )
}
