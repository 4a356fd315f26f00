export const exportJobKind = 'container.export'
export const importJobKind = 'container.import'
